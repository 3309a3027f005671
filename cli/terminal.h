// Everything mqtk does to a terminal, and only that: its size, and the screen of
// `sub --watch` (the alternate screen, one line per topic redrawn in place, SIGWINCH,
// and the terminal given back as it was on every way out).
#pragma once

#include <signal.h>
#include <termios.h>

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/topics.h"

namespace mqtk::cli {

struct TerminalSize {
    std::size_t columns = 80;
    std::size_t lines = 24;
};

// The window's size (TIOCGWINSZ), or 80x24 when the terminal does not say.
TerminalSize terminal_size(int fd);

// The watch's view on a terminal. begin() switches to the alternate screen, hides the
// cursor and stops the terminal echoing keys typed meanwhile (they would land on the table,
// where only changed lines are redrawn); the destructor switches back and shows the cursor, whether
// the run ended, was interrupted or threw (main prints the error after that, on the normal screen).
// Notices (connection lost...) show in the title line meanwhile and are printed on stderr after.
class WatchScreen final : public TopicsView {
  public:
    // `decoder`: the --decode seam (core/topic_table.h); empty shows payloads as they are.
    explicit WatchScreen(int fd, PayloadDecoder decoder = {});
    ~WatchScreen() override;
    WatchScreen(const WatchScreen&) = delete;
    WatchScreen& operator=(const WatchScreen&) = delete;

    void begin(const std::string& endpoint) override;
    void compose(const TopicTable& table, std::uint64_t now_ns) override;
    void draw() override;

  private:
    void write_all(const std::string& bytes) const;
    std::string latest_notice();

    int fd_;
    PayloadDecoder decoder_;
    bool begun_ = false;
    std::string title_;
    TerminalSize size_;
    std::vector<std::string> shown_;  // the lines on the screen now: only changes are drawn
    std::string frame_;               // composed, to draw
    struct sigaction previous_winch_ {};
    std::optional<termios> previous_input_;  // stdin's modes, when echo was turned off
    std::mutex notices_mutex_;
    std::vector<std::string> notices_;
};

}  // namespace mqtk::cli
