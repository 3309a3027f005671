// `mqtk topics` and `sub --watch`: subscribe, count every message into a TopicTable
// (core/topic_table.h), and either print the inventory once at the end (topics) or hand the
// table to a view about ten times a second (the watch screen, drawn by cli/). Both take a
// ConnectionFactory, so the unit tests run them against the fake connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/connection/connection.h"
#include "core/error.h"
#include "core/options.h"
#include "core/topic_table.h"

namespace mqtk {

struct SubOptions;
class OutputSink;

struct TopicsOptions {
    std::vector<std::string> filters;  // -t; none: "#"
    bool sys = false;                  // --sys: also $SYS/#, which "#" does not match
    double window = 3;                 // -W: seconds of listening, from the SUBACK
    // At QoS 2 every message comes at the QoS it was published with, so "QoS seen" is the
    // publisher's.
    int qos = 2;
    bool json = false;       // --json: JSON Lines, one object per topic
    std::size_t width = 0;   // a terminal's columns (lines clipped); 0: not a terminal
    PayloadDecoder decoder;  // --decode (issue 19): empty shows payloads as they are
};

// --decode CODEC for the table's last payloads (topics, sub --watch): empty when no codec is
// chosen. A payload that does not decode (and an empty one) is shown as received. Throws
// Error(Usage) for a codec that cannot be built, before anything connects.
PayloadDecoder payload_decoder(const CodecChoice& choice);

// Listens for options.window seconds and prints the inventory into `output`. Interrupted,
// it still prints what it saw and returns Interrupted.
ExitCode run_topics(const ConnectOptions& connection, const TopicsOptions& options,
                    const ConnectionFactory& connect, OutputSink& output);

// What shows the watch (cli/'s terminal screen, a recorder in the tests). begin() once
// subscribed; then about every 100 ms on the main thread compose() with the table locked
// (messages wait meanwhile: render, do not write), and draw() after it, unlocked.
class TopicsView {
  public:
    virtual ~TopicsView() = default;
    virtual void begin(const std::string& endpoint) = 0;
    virtual void compose(const TopicTable& table, std::uint64_t now_ns) = 0;
    virtual void draw() = 0;
};

// `sub --watch`: sub's subscription flags (-t, -T, -U, -q, -R, -C, -W, the MQTT 5 options)
// with the table shown by `view` instead of messages printed; sub's end conditions and
// exit codes. Flags that print (-F, --json...) or act per message are refused by the cli.
ExitCode run_watch(const ConnectOptions& connection, const SubOptions& options,
                   const ConnectionFactory& connect, TopicsView& view);

}  // namespace mqtk
