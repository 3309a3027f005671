// SIGINT/SIGTERM as a flag the command loops poll. The handler only stores the signal;
// everything else (disconnecting, flushing, exit 130) happens on the normal path.
#pragma once

#include <signal.h>

namespace mqtk {

// Installs the handlers (without SA_RESTART, so a blocking read returns EINTR) and
// ignores SIGPIPE so a closed stdout shows up as EPIPE on write.
void install_interrupt_handlers();
bool interrupted();
// For tests and for commands that end themselves the same way.
void request_interrupt();

// Blocks SIGINT and SIGTERM in the calling thread for the scope's life, so threads it
// starts (Paho's) inherit the mask and signals always reach the main thread.
class SignalBlock {
  public:
    SignalBlock();
    ~SignalBlock();
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;

  private:
    sigset_t saved_;
};

}  // namespace mqtk
