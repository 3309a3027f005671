// Finds Paho's receive thread by the name it gives itself and, only while it sits in a
// sleep system call, sends it a signal whose handler does nothing.
#include "core/paho_wakeup.h"

#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mqtk {
namespace {

extern "C" void ignore_wakeup(int) {}

int wakeup_signal() {
    return SIGRTMIN + 5;
}

void install_handler() {
    struct sigaction action {};
    action.sa_handler = ignore_wakeup;
    sigemptyset(&action.sa_mask);
    sigaction(wakeup_signal(), &action, nullptr);
}

bool read_small_file(const char* path, char* buffer, std::size_t size) {
    FILE* file = std::fopen(path, "re");
    if (file == nullptr) return false;
    const std::size_t got = std::fread(buffer, 1, size - 1, file);
    std::fclose(file);
    buffer[got] = '\0';
    return got > 0;
}

bool is_sleeping_receive_thread(const char* tid) {
    char path[320];
    char text[128];
    std::snprintf(path, sizeof path, "/proc/self/task/%s/comm", tid);
    if (!read_small_file(path, text, sizeof text) || std::strcmp(text, "MQTTAsync_rcv\n") != 0) {
        return false;
    }
    std::snprintf(path, sizeof path, "/proc/self/task/%s/syscall", tid);
    if (!read_small_file(path, text, sizeof text)) return false;
    const long number = std::strtol(text, nullptr, 10);
    return number == SYS_clock_nanosleep || number == SYS_nanosleep;
}

}  // namespace

void wake_paho_receive_thread() {
    static std::once_flag installed;
    std::call_once(installed, install_handler);
    DIR* tasks = opendir("/proc/self/task");
    if (tasks == nullptr) return;
    while (const dirent* entry = readdir(tasks)) {
        if (entry->d_name[0] == '.' || !is_sleeping_receive_thread(entry->d_name)) continue;
        syscall(SYS_tgkill, getpid(), std::atoi(entry->d_name), wakeup_signal());
    }
    closedir(tasks);
}

}  // namespace mqtk
