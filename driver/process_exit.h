// How the driver's process ends once a job is done.
//
// On the H200 host (LibTorch 2.11, CUDA 13) every run that had created a CUDA
// context died with SIGSEGV after writing its results: the main thread jumped
// to address 0 while static destructors ran (docs/PERFORMANCE.md, "The
// exit"). Runs that never touch CUDA exit cleanly there and with LibTorch
// 2.11 and 2.15 here (no GPU). Once the results are on disk nothing is left
// to tear down that the kernel does not reclaim, so a process that created a
// CUDA context ends without running static destructors.
#ifndef ENSEMBLES_DRIVER_PROCESS_EXIT_H_
#define ENSEMBLES_DRIVER_PROCESS_EXIT_H_

namespace ens {

// Whether this process created a CUDA context on any device (false without a
// CUDA build or a GPU; never creates one itself; true if asking CUDA throws).
bool CreatedCudaContext();

// Flushes stdout and stderr and returns `code`; when the process created a
// CUDA context, ends it here with `code` instead, skipping static
// destructors and library finalisers. ENS_EXIT_WITH_TEARDOWN=1 keeps the
// normal exit (to chase the crash on a GPU host: tools/device_check.sh).
int FinishProcess(int code);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_PROCESS_EXIT_H_
