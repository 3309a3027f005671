// A received or to-be-published MQTT message, independent of Paho.
//
// Owning on purpose: the client reuses one Message per connection for every arrival
// (assign() into strings that keep their capacity), so the receive path allocates
// nothing in steady state, while echo and --jsonl can keep or build messages freely.
#pragma once

#include <chrono>
#include <string>

#include "core/properties.h"

namespace mqtk {

struct Message {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
    bool duplicate = false;
    int message_id = 0;  // 0 for QoS 0
    Properties properties;
    std::chrono::system_clock::time_point received_at{};  // wall clock, for output only
};

}  // namespace mqtk
