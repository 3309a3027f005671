// The two codecs built on Google Protocol Buffers: `protobuf:FILE.proto:package.Message`,
// for a schema given at run time, and `sparkplug`, the Sparkplug B payload whose schema
// (core/codec/sparkplug_b.proto) is compiled into mqtk. Both map messages to JSON with
// protobuf's own JSON mapping (core/codec/protobuf_json.h says which options), so that
// what `--decode` prints, `--encode` reads back to the same bytes.
//
// Only these declarations: protobuf's headers stay in the .cpp files, where they are paid
// for once.
#pragma once

#include <memory>
#include <string>

#include "core/codec/codec.h"

namespace mqtk {

// Loads `file` (and what it imports, found in its own directory, then in each of
// options.proto_paths, then among the well-known types built into libprotobuf) and
// returns the codec of `message`, a full name such as "package.Message". Throws
// mqtk::Error(Usage) with one line, "FILE:LINE:COLUMN: what", when the file does not
// load, and a line naming the message when the file does not define it.
std::unique_ptr<Codec> make_protobuf_codec(const std::string& file, const std::string& message,
                                           const CodecOptions& options);

// The Sparkplug B codec (org.eclipse.tahu.protobuf.Payload).
std::unique_ptr<Codec> make_sparkplug_codec();

}  // namespace mqtk
