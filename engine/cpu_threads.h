#ifndef ENS_CORE_CPU_THREADS_H_
#define ENS_CORE_CPU_THREADS_H_

#include <string>

namespace ens {

// Sets LibTorch's intra-op thread count (0: every core) and keeps the BLAS
// library single-threaded, so that its threads do not fight ATen's OpenMP
// workers (each of which calls BLAS). Returns the intra-op thread count set.
int ConfigureCpuThreads(int requested);

// True when a multi-threaded OpenBLAS was found and pinned to one thread.
bool BlasThreadsPinned();

// The kernel family OpenBLAS chose for this CPU ("SkylakeX", "Haswell",
// "Prescott", ...), or "" when the BLAS under LibTorch is not OpenBLAS.
std::string BlasKernels();

// OpenBLAS 0.3.21 (Debian 12) does not recognise newer Xeons and falls back
// to its generic Prescott (SSE3) kernels unless OPENBLAS_CORETYPE names the
// kernels; it reads that variable when it is loaded, so it has to be set
// before the process starts.
//
// The OPENBLAS_CORETYPE that gives a CPU with AVX2 ("Haswell") or AVX-512
// ("SkylakeX") its own kernels where OpenBLAS runs `kernels` = "Prescott";
// empty otherwise.
std::string FasterBlasCoreType(const std::string& kernels, bool avx2, bool avx512);

// Fast kernels by default: where this process's OpenBLAS fell back to its
// generic kernels on a vector CPU and OPENBLAS_CORETYPE is not set (a user's
// own setting always wins), sets it and re-executes the program with the same
// arguments. Returns where there is nothing to do, in the restarted process,
// or when the restart failed (then nothing is changed). Call first in main,
// with main's argv.
void RestartForFasterBlasKernels(char** argv);

// In a process restarted so: the one line that says so (a run prints it with
// its other start-up lines); empty otherwise.
std::string BlasRestartNote();

// A one-line warning when OpenBLAS runs its generic kernels on a CPU with
// AVX2 or AVX-512 (the user chose them, or the restart failed), empty
// otherwise.
std::string BlasKernelWarning(const std::string& kernels, bool avx2, bool avx512);
// The same for this process's OpenBLAS and CPU.
std::string BlasKernelWarning();

}  // namespace ens

#endif  // ENS_CORE_CPU_THREADS_H_
