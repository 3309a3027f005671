// `protobuf:FILE.proto:package.Message`: a schema read at run time. The .proto is parsed
// the way compiler::Importer does it (a DiskSourceTree, a SourceTreeDescriptorDatabase, a
// DescriptorPool over it), with one addition: an import that is on no path falls back to
// the files built into libprotobuf, so that google/protobuf/timestamp.proto and the other
// well-known types load without their sources installed, as protoc does. Messages are
// DynamicMessages; the JSON mapping is protobuf_json.h's.
#include "core/codec/protobuf.h"

#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/codec/protobuf_json.h"
#include "core/error.h"

namespace mqtk {

namespace {

namespace pb = google::protobuf;

// Keeps the first error that has a place ("FILE:LINE:COLUMN: what", 1-based, as protoc
// prints it), else the first error: for a missing import that is the importing line, not
// "nope.proto: File not found.".
class FirstError : public pb::compiler::MultiFileErrorCollector {
  public:
    explicit FirstError(const pb::compiler::DiskSourceTree& tree) : tree_(tree) {}

    void AddError(const std::string& file, int line, int column,
                  const std::string& message) override {
        if (located_) return;
        if (line >= 0) {
            first_ = fmt::format("{}:{}:{}: {}", disk_path(file), line + 1, column + 1, message);
            located_ = true;
        } else if (first_.empty()) {
            first_ = fmt::format("{}: {}", disk_path(file), message);
        }
    }
    const std::string& first() const { return first_; }

  private:
    std::string disk_path(const std::string& file) const {
        std::string disk;
        auto& tree = const_cast<pb::compiler::DiskSourceTree&>(tree_);
        return tree.VirtualFileToDiskFile(file, &disk) ? disk : file;
    }

    const pb::compiler::DiskSourceTree& tree_;
    std::string first_;
    bool located_ = false;
};

// A loaded schema: what a DynamicMessage needs to stay alive. The members are declared
// in the order each needs the one before, so they are destroyed in the right order.
struct Schema {
    pb::compiler::DiskSourceTree tree;
    FirstError errors{tree};
    pb::DescriptorPoolDatabase builtin{*pb::DescriptorPool::generated_pool()};
    pb::compiler::SourceTreeDescriptorDatabase sources{&tree, &builtin};
    pb::DescriptorPool pool{&sources, sources.GetValidationErrorCollector()};
    pb::DynamicMessageFactory factory{&pool};
};

// The directory `file` is in, as DiskSourceTree wants it ("." for a bare name).
std::string directory_of(const std::string& file) {
    std::string dir = std::filesystem::path(file).parent_path().string();
    return dir.empty() ? "." : dir;
}

// The name `file` has inside the tree: its path below the first --proto-path that holds
// it (so that it and the files importing it agree), else its own name in its own
// directory, mapped last.
std::string virtual_name(Schema& schema, const std::string& file) {
    std::string name;
    std::string shadow;
    using Result = pb::compiler::DiskSourceTree::DiskFileToVirtualFileResult;
    switch (schema.tree.DiskFileToVirtualFile(file, &name, &shadow)) {
        case Result::SUCCESS:
            return name;
        case Result::SHADOWED:
            throw usage_error("{}: shadowed by {} (the same name in an earlier --proto-path)", file,
                              shadow);
        case Result::CANNOT_OPEN:
            throw usage_error("{}: cannot open: {}", file, std::strerror(errno));
        case Result::NO_MAPPING:
            break;
    }
    throw usage_error("{}: not in any --proto-path", file);
}

std::string defined_messages(const pb::FileDescriptor& file) {
    std::string names;
    for (int i = 0; i < file.message_type_count(); ++i) {
        names += (names.empty() ? "" : ", ") + file.message_type(i)->full_name();
    }
    return names.empty() ? "none" : names;
}

// The first group field (proto2's deprecated `group`) that `type` reaches, or null:
// protobuf's JSON mapping prints a group as [] and cannot read one, so a schema with one
// is refused up front rather than losing its data silently.
const pb::FieldDescriptor* group_in(const pb::Descriptor& type,
                                    std::vector<const pb::Descriptor*>& seen) {
    if (std::find(seen.begin(), seen.end(), &type) != seen.end()) return nullptr;
    seen.push_back(&type);
    for (int i = 0; i < type.field_count(); ++i) {
        const auto* field = type.field(i);
        if (field->type() == pb::FieldDescriptor::TYPE_GROUP) return field;
        if (field->message_type() == nullptr) continue;
        if (const auto* group = group_in(*field->message_type(), seen)) return group;
    }
    return nullptr;
}

class ProtobufCodec : public Codec {
  public:
    ProtobufCodec(std::string name, std::unique_ptr<Schema> schema, const pb::Message& prototype)
        : name_(std::move(name)), schema_(std::move(schema)), prototype_(prototype) {}

    const std::string& name() const override { return name_; }
    nlohmann::json decode(std::string_view payload) const override {
        return protobuf_json::decode(prototype_, payload);
    }
    std::string encode(const nlohmann::json& value) const override {
        return protobuf_json::encode(prototype_, value);
    }

  private:
    std::string name_;
    std::unique_ptr<Schema> schema_;
    const pb::Message& prototype_;  // owned by schema_->factory
};

}  // namespace

std::unique_ptr<Codec> make_protobuf_codec(const std::string& file, const std::string& message,
                                           const CodecOptions& options) {
    pb::LogSilencer quiet;  // errors go to schema->errors, not to protobuf's log on stderr
    auto schema = std::make_unique<Schema>();
    for (const auto& dir : options.proto_paths)
        schema->tree.MapPath("", dir);
    schema->tree.MapPath("", directory_of(file));
    schema->sources.RecordErrorsTo(&schema->errors);

    const pb::FileDescriptor* loaded = schema->pool.FindFileByName(virtual_name(*schema, file));
    if (loaded == nullptr) {
        throw usage_error("{}", schema->errors.first().empty() ? file + ": does not load"
                                                               : schema->errors.first());
    }
    const pb::Descriptor* type = schema->pool.FindMessageTypeByName(message);
    if (type == nullptr) {
        throw usage_error("{}: no message {} (it defines: {})", file, message,
                          defined_messages(*loaded));
    }
    std::vector<const pb::Descriptor*> seen;
    if (const auto* group = group_in(*type, seen)) {
        throw usage_error("{}: {} is a group, which protobuf's JSON mapping cannot carry", file,
                          group->full_name());
    }
    const pb::Message* prototype = schema->factory.GetPrototype(type);
    return std::make_unique<ProtobufCodec>(fmt::format("protobuf:{}:{}", file, message),
                                           std::move(schema), *prototype);
}

}  // namespace mqtk
