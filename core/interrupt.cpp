// Signal handling that is async-signal-safe: the handler writes one atomic flag.
#include "core/interrupt.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>

namespace mqtk {
namespace {

std::atomic<int> caught_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int signal_number) {
    caught_signal.store(signal_number);
}

}  // namespace

void install_interrupt_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

bool interrupted() {
    return caught_signal.load(std::memory_order_relaxed) != 0;
}

void request_interrupt() {
    caught_signal.store(SIGTERM);
}

SignalBlock::SignalBlock() {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &saved_);
}

SignalBlock::~SignalBlock() {
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

}  // namespace mqtk
