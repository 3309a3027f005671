// Fuzzes the `pub -l` line reader (core/line_reader.h) with input written to a pipe in
// fuzzed chunks, as a slow producer would: after each chunk, every line it completed
// must come out of LineReader::next(), split where the reference (the text split on '\n',
// a last line without one still a line) splits it, without waiting for more input; after
// the end, the last partial line and then End, for good. read_all_from_fd (`pub -s`) must
// return the very bytes written.
#include <fcntl.h>
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_reader.h"
#include "fuzz/fuzz_check.h"

namespace {

using Status = mqtk::LineReader::Status;

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = write(fd, bytes.data(), bytes.size());
        MQTK_FUZZ_CHECK(n > 0);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The lines of `text` that a '\n' ends.
std::vector<std::string> complete_lines(std::string_view text) {
    std::vector<std::string> lines;
    for (std::size_t newline; (newline = text.find('\n')) != std::string_view::npos;) {
        lines.emplace_back(text.substr(0, newline));
        text.remove_prefix(newline + 1);
    }
    return lines;
}

// A bound, not a wait: the reader is only asked for lines already written, so it returns
// at once; a reader that waits for more would time out here and fail the check.
Status next(mqtk::LineReader& reader, std::string_view& line) {
    return reader.next(line, std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

void check_lines(const std::vector<std::string>& chunks) {
    int fds[2];
    MQTK_FUZZ_CHECK(pipe2(fds, O_CLOEXEC) == 0);
    mqtk::LineReader reader(fds[0]);
    std::string written;
    std::size_t taken = 0;
    std::string_view line;
    for (const auto& chunk : chunks) {
        write_all(fds[1], chunk);
        written += chunk;
        const auto lines = complete_lines(written);
        for (; taken < lines.size(); ++taken) {
            MQTK_FUZZ_CHECK(next(reader, line) == Status::Line);
            MQTK_FUZZ_CHECK(line == lines[taken]);
        }
    }
    close(fds[1]);
    const std::string_view tail = std::string_view(written).substr(written.rfind('\n') + 1);
    if (!tail.empty()) {
        MQTK_FUZZ_CHECK(next(reader, line) == Status::Line);
        MQTK_FUZZ_CHECK(line == tail);
    }
    MQTK_FUZZ_CHECK(next(reader, line) == Status::End);
    MQTK_FUZZ_CHECK(next(reader, line) == Status::End);
    close(fds[0]);
}

void check_read_all(const std::string& bytes) {
    int fds[2];
    MQTK_FUZZ_CHECK(pipe2(fds, O_CLOEXEC) == 0);
    write_all(fds[1], bytes);  // fits: the input is far below a pipe's 64 KiB
    close(fds[1]);
    MQTK_FUZZ_CHECK(mqtk::read_all_from_fd(fds[0], "stdin") == bytes);
    close(fds[0]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 32 * 1024) return 0;  // stays within a pipe's buffer: no writer thread
    FuzzedDataProvider provider(data, size);
    std::vector<std::string> chunks;
    std::string all;
    while (provider.remaining_bytes() > 0 && chunks.size() < 32) {
        chunks.push_back(provider.ConsumeRandomLengthString(512));
        all += chunks.back();
    }
    check_lines(chunks);
    check_read_all(all);
    return 0;
}
