// The watch screen over ANSI/VT100 escape sequences (xterm's alternate screen, 1049).
#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "core/notice.h"

namespace mqtk::cli {
namespace {

constexpr const char* kEnter = "\x1b[?1049h\x1b[?25l\x1b[2J";  // alternate screen, no cursor
constexpr const char* kLeave = "\x1b[?25h\x1b[?1049l";         // cursor back, normal screen
// Notices kept to print after the screen is given back; a flapping broker's are capped.
constexpr std::size_t kKeptNotices = 20;

std::atomic<bool> window_resized{false};

extern "C" void on_window_change(int) {
    window_resized.store(true);
}

}  // namespace

TerminalSize terminal_size(int fd) {
    winsize size{};
    if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0) return {};
    return {size.ws_col, size.ws_row};
}

WatchScreen::WatchScreen(int fd, PayloadDecoder decoder) : fd_(fd), decoder_(std::move(decoder)) {}

WatchScreen::~WatchScreen() {
    if (!begun_) return;
    divert_notices({});
    sigaction(SIGWINCH, &previous_winch_, nullptr);
    if (previous_input_) tcsetattr(STDIN_FILENO, TCSANOW, &*previous_input_);
    write_all(kLeave);
    std::lock_guard lock(notices_mutex_);
    for (const auto& line : notices_)
        notice(line);
}

void WatchScreen::begin(const std::string& endpoint) {
    title_ = "mqtk sub --watch  " + endpoint;
    size_ = terminal_size(fd_);
    struct sigaction action {};
    action.sa_handler = on_window_change;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &action, &previous_winch_);
    divert_notices([this](std::string_view line) {
        std::lock_guard lock(notices_mutex_);
        if (notices_.size() == kKeptNotices) notices_.erase(notices_.begin());
        notices_.emplace_back(line);
    });
    termios input{};
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &input) == 0) {
        previous_input_ = input;
        input.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &input);
    }
    begun_ = true;
    write_all(kEnter);
}

std::string WatchScreen::latest_notice() {
    std::lock_guard lock(notices_mutex_);
    return notices_.empty() ? std::string() : notices_.back();
}

void WatchScreen::compose(const TopicTable& table, std::uint64_t now_ns) {
    if (window_resized.exchange(false)) {
        size_ = terminal_size(fd_);
        shown_.clear();
        frame_ = "\x1b[2J";
    }
    const auto lines = watch_screen(
        table, now_ns, {size_.columns, size_.lines, title_, latest_notice(), decoder_});
    // Each changed line is rewritten at its place: cursor to row i, erase it, the text.
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i < shown_.size() && shown_[i] == lines[i]) continue;
        frame_ += "\x1b[" + std::to_string(i + 1) + ";1H\x1b[2K" + lines[i];
    }
    shown_ = lines;
}

void WatchScreen::draw() {
    if (frame_.empty()) return;
    write_all(frame_);
    frame_.clear();
}

void WatchScreen::write_all(const std::string& bytes) const {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t wrote = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) return;  // the terminal is gone: nothing left to draw on
        done += static_cast<std::size_t>(wrote);
    }
}

}  // namespace mqtk::cli
