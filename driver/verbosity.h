// --v, glog's verbosity flag, with either LibTorch: Debian's 1.13 links glog,
// which defines it; pip's 2.x links no glog, so the driver defines it then.
// Defining it unconditionally would abort the 1.13 build at start-up (gflags
// refuses a flag defined twice).
#ifndef ENSEMBLES_DRIVER_VERBOSITY_H_
#define ENSEMBLES_DRIVER_VERBOSITY_H_

namespace ens {

// Call before gflags parses the command line.
void DefineVerbosityFlagIfMissing();

// The value of --v after parsing (0 by default).
int Verbosity();

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_VERBOSITY_H_
