// Fuzzes the -L/--url parser (core/url.h) with arbitrary text. A refusal is an mqtk::Error;
// an accepted URL must give a host, a port in range and a WebSocket path that is a path.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "core/url.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const mqtk::BrokerUrl url = mqtk::parse_broker_url(text);
        MQTK_FUZZ_CHECK(!url.host.empty());
        MQTK_FUZZ_CHECK(!url.port || (*url.port >= 1 && *url.port <= 65535));
        const bool websocket = url.transport == mqtk::Transport::WebSocket ||
                               url.transport == mqtk::Transport::WebSocketTls;
        MQTK_FUZZ_CHECK(!websocket || url.ws_path.starts_with('/'));
        mqtk::ConnectOptions options;
        mqtk::apply_broker_url(url, options);
        MQTK_FUZZ_CHECK(options.host == url.host);
    } catch (const mqtk::Error&) {
        // A refused URL: the expected outcome for most inputs.
    }
    return 0;
}
