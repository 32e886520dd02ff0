//===- Module.cpp - attn_mlir._native (pybind11) ------------------------===//
//
// Thin bindings over Bridge.h: NumPy arrays in and out, failures raised as
// attn_mlir._native.Error (a RuntimeError) with the compiler's message. The
// GIL is released while compiling and running.
//
//===----------------------------------------------------------------------===//

#include "Bridge.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace py = pybind11;

namespace {
struct NativeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(bool ok, const std::string &err) {
  if (!ok)
    throw NativeError(err);
}

std::string npyDtype(const py::array &a) {
  py::dtype dt = a.dtype();
  char kind = dt.kind();
  auto size = dt.itemsize();
  if (kind == 'f' && size == 4)
    return "<f4";
  if (kind == 'f' && size == 2)
    return "<f2";
  if (kind == 'i' && size == 4)
    return "<i4";
  if (kind == 'i' && size == 8)
    return "<i8";
  if (kind == 'b' && size == 1)
    return "|b1";
  throw py::type_error("unsupported array dtype '" +
                       py::str(py::object(dt)).cast<std::string>() +
                       "'; expected float32, float16, int32, int64 or bool");
}

attnpy::Array fromNumpy(py::handle obj) {
  py::array a = py::array::ensure(obj, py::array::c_style);
  if (!a)
    throw py::type_error("expected a NumPy array");
  attnpy::Array out;
  out.dtype = npyDtype(a);
  for (py::ssize_t i = 0; i < a.ndim(); ++i)
    out.shape.push_back(a.shape(i));
  out.data.resize(a.nbytes());
  if (a.nbytes())
    std::memcpy(out.data.data(), a.data(), a.nbytes());
  return out;
}

py::array toNumpy(const attnpy::Array &a) {
  py::dtype dt(a.dtype);
  std::vector<py::ssize_t> shape(a.shape.begin(), a.shape.end());
  py::array out(dt, shape);
  if (!a.data.empty())
    std::memcpy(out.mutable_data(), a.data.data(), a.data.size());
  return out;
}

py::list infoList(const std::vector<attnpy::TensorInfo> &infos) {
  py::list l;
  for (const auto &t : infos)
    l.append(py::make_tuple(t.element, py::tuple(py::cast(t.shape))));
  return l;
}

class PyCpuProgram {
public:
  PyCpuProgram(const std::string &ir, const std::string &entry,
               std::optional<std::string> lowered) {
    std::string err;
    {
      py::gil_scoped_release release;
      program = attnpy::createCpuProgram(ir, entry,
                                         lowered ? &*lowered : nullptr, err);
    }
    check(program != nullptr, err);
  }
  ~PyCpuProgram() { attnpy::destroyCpuProgram(program); }
  PyCpuProgram(const PyCpuProgram &) = delete;
  PyCpuProgram &operator=(const PyCpuProgram &) = delete;

  py::list run(py::sequence inputs) {
    std::vector<attnpy::Array> in;
    for (py::handle h : inputs)
      in.push_back(fromNumpy(h));
    std::vector<attnpy::Array> out;
    std::string err;
    bool ok;
    {
      py::gil_scoped_release release;
      ok = attnpy::runCpuProgram(program, std::move(in), out, err);
    }
    check(ok, err);
    py::list l;
    for (const auto &a : out)
      l.append(toNumpy(a));
    return l;
  }

private:
  attnpy::CpuProgram *program = nullptr;
};
} // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "attn-mlir compiler bindings (parse/verify, CPU JIT, GPU artifacts)";
  static py::exception<NativeError> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p)
        std::rethrow_exception(p);
    } catch (const NativeError &e) {
      error(e.what());
    }
  });

  m.def(
      "verify",
      [](const std::string &ir) {
        std::string err;
        check(attnpy::verify(ir, err), err);
      },
      py::arg("ir"), "Parses and verifies attn IR text; raises Error with the diagnostics.");
  m.def(
      "signature",
      [](const std::string &ir, const std::string &entry) {
        std::vector<attnpy::TensorInfo> args, results;
        std::string err;
        check(attnpy::signature(ir, entry, args, results, err), err);
        return py::make_tuple(infoList(args), infoList(results));
      },
      py::arg("ir"), py::arg("entry") = "main",
      "([(element, shape)] of the arguments, [...] of the results) of `entry`.");
  m.def(
      "lower_for_cpu",
      [](const std::string &ir, const std::string &entry) {
        std::string lowered, err;
        bool ok;
        {
          py::gil_scoped_release release;
          ok = attnpy::lowerForCpu(ir, entry, lowered, err);
        }
        check(ok, err);
        return lowered;
      },
      py::arg("ir"), py::arg("entry") = "main",
      "attn-to-cpu: the LLVM-dialect module (text) that CpuProgram can JIT.");
  m.def("gpu_chips", &attnpy::gpuChips,
        "The chips compile_artifact takes (sm_80, sm_90, sm_90a).");
  m.def(
      "compile_artifact",
      [](const std::string &ir, const std::string &outDir,
         const std::string &entry, const std::string &chip,
         const std::string &ptxas) {
        std::string err;
        bool ok;
        {
          py::gil_scoped_release release;
          ok = attnpy::compileArtifact(ir, entry, outDir, chip, ptxas, err);
        }
        check(ok, err);
      },
      py::arg("ir"), py::arg("out_dir"), py::arg("entry") = "main",
      py::arg("chip") = "sm_90a", py::arg("ptxas") = "/usr/local/cuda/bin/ptxas",
      "attn-compile: writes the GPU artifact of `entry` into out_dir.");
  py::class_<PyCpuProgram>(m, "CpuProgram")
      .def(py::init<const std::string &, const std::string &,
                    std::optional<std::string>>(),
           py::arg("ir"), py::arg("entry") = "main",
           py::arg("lowered") = py::none(),
           "JIT-compiles `entry` (from `lowered`, if given, skipping attn-to-cpu).")
      .def("run", &PyCpuProgram::run, py::arg("inputs"),
           "Runs on NumPy arrays (bf16 arguments take float32); returns the results.");
}
