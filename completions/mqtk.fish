# fish completion for mqtk(1), the command-line MQTT toolkit.
#
# Installed as share/fish/vendor_completions.d/mqtk.fish. Checked against
# `mqtk <command> --help` by tests/integration/docs_test.cpp: a new command is a name in
# $__mqtk_commands plus a block of its own options below.

# The options that take a value: the word after them is neither a command nor an option.
set -g __mqtk_value_options --config --profile -h --host -p --port -L --url -i --id \
    -I --id-prefix -k --keepalive -V --protocol-version -u --username -P --pw --pw-file \
    -x --session-expiry --will-topic --will-payload --will-qos --cafile --capath --cert \
    --key --key-password --key-password-file --tls-version --connect-timeout -F --format -t --topic \
    -m --message -f --file -q --qos --repeat --repeat-delay -M --max-inflight -W --timeout \
    -T --filter-out -U --unsubscribe -C --count --random-filter --retain-handling --expect \
    --ready-file --stats --stats-interval \
    --delay --reply-topic --publishers --subscribers --duration --rate --size --warmup \
    --storm --conn-rate --hold --shard --workers -e --response-topic --interval --require \
    --decode --encode --proto-path \
    --metrics

# The command being completed ("sub", "bench merge"): the words before the cursor that are
# neither options nor their values. Fails when there is none yet.
function __mqtk_command
    set -l tokens (commandline -opc)
    set -l command
    set -l skip 0
    for i in (seq 2 (count $tokens))
        if test $skip -gt 0
            set skip (math $skip - 1)
            continue
        end
        switch $tokens[$i]
            case -D --property
                set skip 3 # -D COMMAND NAME VALUE, or -D COMMAND user-property KEY VALUE
                set -l name (math $i + 2)
                if test $name -le (count $tokens); and test "$tokens[$name]" = user-property
                    set skip 4
                end
            case '-*=*' -
            case '-*'
                contains -- $tokens[$i] $__mqtk_value_options; and set skip 1
            case '*'
                if test -z "$command"
                    set command $tokens[$i]
                else if test "$command" = bench -a "$tokens[$i]" = merge
                    set command 'bench merge'
                end
        end
    end
    test -n "$command"; and echo $command
end

# The payload codecs of --decode and --encode; after "protobuf:", the .proto files.
function __mqtk_codecs
    set -l token (commandline -ct)
    if string match -q 'protobuf:*' -- $token
        set -l path (string replace -r '^protobuf:' '' -- $token)
        for file in (__fish_complete_path $path)
            string match -q -r '(\.proto|/)$' -- $file; and echo protobuf:$file
        end
        return
    end
    printf '%s\n' json cbor msgpack hex base64 sparkplug protobuf:
end

# True when the command being completed is one of $argv.
function __mqtk_using
    set -l command (__mqtk_command)
    or return 1
    contains -- $command $argv
end

# True when the word before the one being completed is -D (so: a packet kind).
function __mqtk_after_property_flag
    set -l tokens (commandline -opc)
    contains -- $tokens[-1] -D --property
end

# The MQTT 5 properties a client may send in the packet named after -D.
function __mqtk_properties
    set -l tokens (commandline -opc)
    contains -- $tokens[-2] -D --property
    or return 1
    set -l message payload-format-indicator message-expiry-interval content-type \
        response-topic correlation-data
    switch $tokens[-1]
        case connect
            printf '%s\n' session-expiry-interval authentication-method authentication-data \
                request-problem-information request-response-information receive-maximum \
                topic-alias-maximum maximum-packet-size user-property
        case publish
            printf '%s\n' $message topic-alias user-property
        case will
            printf '%s\n' $message will-delay-interval user-property
        case subscribe
            printf '%s\n' subscription-identifier user-property
        case unsubscribe
            printf '%s\n' user-property
        case disconnect
            printf '%s\n' session-expiry-interval reason-string user-property
    end
end

# The profiles ([sections]) of the configuration file: --config's, else the default one.
function __mqtk_profiles
    set -l file (set -q XDG_CONFIG_HOME; and echo $XDG_CONFIG_HOME; or echo ~/.config)/mqtk/config
    set -l tokens (commandline -opc)
    for i in (seq (count $tokens))
        if test "$tokens[$i]" = --config; and test $i -lt (count $tokens)
            set file $tokens[(math $i + 1)]
        else if string match -q -- '--config=*' $tokens[$i]
            set file (string replace -- '--config=' '' $tokens[$i])
        end
    end
    test -r "$file"; or return
    string replace -rf '^\s*\[([^].]+)\]\s*$' '$1' <$file
end

set -l __mqtk_commands pub sub echo bench req rr check topics
set -l every "__mqtk_using $__mqtk_commands"
set -l output "__mqtk_using sub echo req rr"
set -l live "__mqtk_using bench sub echo req rr"

complete -c mqtk -f

# mqtk itself
complete -c mqtk -n 'not __mqtk_command' -a pub -d 'Publish one message, a file, or a stream of lines'
complete -c mqtk -n 'not __mqtk_command' -a sub -d 'Print messages as they arrive'
complete -c mqtk -n 'not __mqtk_command' -a echo -d "Republish what arrives: the board's loopback"
complete -c mqtk -n 'not __mqtk_command' -a bench -d 'Load generator: throughput, latency, storms'
complete -c mqtk -n 'not __mqtk_command' -a req -d 'Request/response: publish, print the matching reply'
complete -c mqtk -n 'not __mqtk_command' -a check -d 'Prove a broker works, by the exit code'
complete -c mqtk -n 'not __mqtk_command' -a topics -d 'List the topics a broker carries'
complete -c mqtk -n 'not __mqtk_command' -l help -d 'Print help and exit'
complete -c mqtk -n 'not __mqtk_command' -l version -d 'Print the versions and exit'

# Every command: help, configuration, connection, TLS
complete -c mqtk -n $every -l help -d 'Print help and exit'
complete -c mqtk -n $every -l config -r -d 'Read options from FILE (TOML or INI)'
complete -c mqtk -n $every -l profile -x -a '(__mqtk_profiles)' -d 'Section of the config file'
complete -c mqtk -n $every -s h -l host -x -a '(__fish_print_hostnames)' -d 'Broker host'
complete -c mqtk -n $every -s p -l port -x -d 'Broker port'
complete -c mqtk -n $every -s L -l url -x -a 'mqtt:// mqtts:// ws:// wss://' -d 'Broker URL'
complete -c mqtk -n $every -s i -l id -x -d 'Client id'
complete -c mqtk -n $every -s I -l id-prefix -x -d 'Client id prefix (the pid is appended)'
complete -c mqtk -n $every -s k -l keepalive -x -d 'Keep-alive in seconds'
complete -c mqtk -n $every -s V -l protocol-version -x -a '31 311 5 mqttv31 mqttv311 mqttv5' -d 'MQTT version'
complete -c mqtk -n $every -s u -l username -x -d 'User name'
complete -c mqtk -n $every -s P -l pw -x -d 'Password'
complete -c mqtk -n $every -l pw-file -r -d "Read the password from FILE's first line"
complete -c mqtk -n $every -s c -l disable-clean-session -d 'Keep a persistent session'
complete -c mqtk -n $every -s x -l session-expiry -x -d 'MQTT 5 session expiry in seconds'
complete -c mqtk -n $every -l will-topic -x -d 'Last will topic'
complete -c mqtk -n $every -l will-payload -x -d 'Last will payload'
complete -c mqtk -n $every -l will-qos -x -a '0 1 2' -d 'Last will QoS'
complete -c mqtk -n $every -l will-retain -d 'Retain the last will'
complete -c mqtk -n $every -s D -l property -x -a 'connect publish subscribe unsubscribe disconnect will' -d 'MQTT 5 property: CMD NAME VALUE'
complete -c mqtk -n "$every; and __mqtk_properties" -x -a '(__mqtk_properties)'
complete -c mqtk -n $every -l connect-timeout -x -d 'Seconds to wait for CONNACK'
complete -c mqtk -n $every -s d -l debug -d 'Print a protocol trace on stderr'
complete -c mqtk -n $every -l quiet -d 'Print no error messages'
complete -c mqtk -n $every -l nodelay -d 'Accepted for mosquitto compatibility'
complete -c mqtk -n $every -l cafile -r -d 'CA certificates (PEM)'
complete -c mqtk -n $every -l capath -x -a '(__fish_complete_directories)' -d 'Directory of CA certificates'
complete -c mqtk -n $every -l cert -r -d 'Client certificate (PEM)'
complete -c mqtk -n $every -l key -r -d 'Client private key (PEM)'
complete -c mqtk -n $every -l key-password -x -d 'Passphrase of --key'
complete -c mqtk -n $every -l key-password-file -r -d "Read the passphrase of --key from FILE's first line"
complete -c mqtk -n $every -l insecure -d "Skip the host-name check (the chain is still verified)"
complete -c mqtk -n $every -l tls-version -x -a 'tlsv1.3 tlsv1.2 tlsv1.1' -d 'Lowest TLS version'
complete -c mqtk -n $every -l ciphers -x -d 'OpenSSL cipher list for TLS 1.2 and below'
complete -c mqtk -n $every -l psk -x -d 'TLS-PSK key in hexadecimal'
complete -c mqtk -n $every -l psk-identity -x -d 'TLS-PSK identity'
complete -c mqtk -n $every -l tls-alpn -x -a mqtt -d 'ALPN protocol to offer'
complete -c mqtk -n $every -l tls-keylog -r -d 'Append the TLS secrets to FILE (NSS key log)'
complete -c mqtk -n $every -l tls-use-os-certs -d "Trust the system's CAs"

# Output: sub, echo and req
complete -c mqtk -n $output -s v -l verbose -d "Print 'topic payload'"
complete -c mqtk -n $output -s N -d 'No end of line after each message'
complete -c mqtk -n $output -s F -l format -x -d 'Format each message (see mqtk(1))'
complete -c mqtk -n $output -l pretty -d 'Pretty-print JSON output'
complete -c mqtk -n $output -l json -d 'One JSON object per message'
complete -c mqtk -n $output -l decode -x -a '(__mqtk_codecs)' -d 'Print each payload decoded by CODEC'
complete -c mqtk -n $output -l proto-path -x -a '(__fish_complete_directories)' -d 'Directory of .proto imports'

# Live figures: bench, sub, echo and req
complete -c mqtk -n $live -l stats -r -d "One JSON line of figures per interval to FILE ('-': stderr)"
complete -c mqtk -n $live -l stats-interval -x -d 'Seconds between --stats lines'

# pub
set -l pub '__mqtk_using pub'
complete -c mqtk -n $pub -s t -l topic -x -d 'Topic to publish to'
complete -c mqtk -n $pub -s m -l message -x -d 'Send this message'
complete -c mqtk -n $pub -s f -l file -r -d 'Send the contents of FILE'
complete -c mqtk -n $pub -s s -l stdin-file -d 'Send all of stdin as one message'
complete -c mqtk -n $pub -s l -l stdin-line -d 'Send each line of stdin'
complete -c mqtk -n $pub -s n -l null-message -d 'Send a zero-length message'
complete -c mqtk -n $pub -l jsonl -d 'Replay JSON Lines from stdin'
complete -c mqtk -n $pub -s q -l qos -x -a '0 1 2' -d QoS
complete -c mqtk -n $pub -s r -l retain -d 'Retain the message'
complete -c mqtk -n $pub -l repeat -x -d 'Publish the message N times'
complete -c mqtk -n $pub -l repeat-delay -x -d 'Seconds between repeats'
complete -c mqtk -n $pub -s M -l max-inflight -x -d 'Unacknowledged messages at once'
complete -c mqtk -n $pub -l encode -x -a '(__mqtk_codecs)' -d 'Publish the message (JSON) encoded by CODEC'
complete -c mqtk -n $pub -l proto-path -x -a '(__fish_complete_directories)' -d 'Directory of .proto imports'
complete -c mqtk -n $pub -s W -l timeout -x -d 'Give up after SECONDS (exit 5)'

# sub
set -l sub '__mqtk_using sub'
complete -c mqtk -n $sub -s t -l topic -x -d 'Filter to subscribe to'
complete -c mqtk -n $sub -s T -l filter-out -x -d 'Do not print topics matching this filter'
complete -c mqtk -n $sub -s U -l unsubscribe -x -d 'Unsubscribe from this filter'
complete -c mqtk -n $sub -s q -l qos -x -a '0 1 2' -d 'Subscription QoS'
complete -c mqtk -n $sub -s C -l count -x -d 'Exit after N messages'
complete -c mqtk -n $sub -s W -l timeout -x -d 'Exit 5 after SECONDS unless done'
complete -c mqtk -n $sub -l random-filter -x -d 'Print each message with this chance (percent)'
complete -c mqtk -n $sub -s R -l no-retained -d 'Do not print retained messages'
complete -c mqtk -n $sub -l retained-only -d 'Print only retained messages'
complete -c mqtk -n $sub -l remove-retained -d 'Clear each retained message received'
complete -c mqtk -n $sub -s E -l exit-after-subscribe -d 'Exit once subscribed'
complete -c mqtk -n $sub -l no-local -d 'MQTT 5: not our own publishes'
complete -c mqtk -n $sub -l retain-as-published -d 'MQTT 5: keep the retain flag'
complete -c mqtk -n $sub -l retain-handling -x -a '0 1 2' -d 'MQTT 5: 0 always, 1 new, 2 never'
complete -c mqtk -n $sub -l expect -x -d 'Exit 0 at the first payload matching REGEX'
complete -c mqtk -n $sub -l ready-file -r -d 'Create PATH once subscribed'
complete -c mqtk -n $sub -s w -l watch -d 'One line per topic, updated in place'
complete -c mqtk -n $sub -l message-rate -d 'Print messages received per second instead'
complete -c mqtk -n $sub -l metrics -x -d 'Serve live figures for Prometheus at [ADDRESS:]PORT'

# echo
set -l echo '__mqtk_using echo'
complete -c mqtk -n $echo -s t -l topic -x -d 'Topic to loop on'
complete -c mqtk -n $echo -s m -l message -x -d 'First message'
complete -c mqtk -n $echo -s n -l no-message -d 'Send no first message'
complete -c mqtk -n $echo -l delay -x -d 'Seconds before each republish'
complete -c mqtk -n $echo -l reply-topic -x -d 'Republish on this topic instead'
complete -c mqtk -n $echo -l responder -d 'Answer MQTT 5 requests'
complete -c mqtk -n $echo -l clean -d 'Start with a clean session'
complete -c mqtk -n $echo -s q -l qos -x -a '0 1 2' -d QoS
complete -c mqtk -n $echo -s C -l count -x -d 'Stop after N echoes'
complete -c mqtk -n $echo -s W -l timeout -x -d 'Stop after SECONDS'
complete -c mqtk -n $echo -l metrics -x -d 'Serve live figures for Prometheus at [ADDRESS:]PORT'

# req (alias rr)
set -l req '__mqtk_using req rr'
complete -c mqtk -n $req -s t -l topic -x -d 'Topic the request is published to'
complete -c mqtk -n $req -s e -l response-topic -x -d 'Topic the reply comes on'
complete -c mqtk -n $req -s m -l message -x -d 'Send this request'
complete -c mqtk -n $req -s f -l file -r -d 'Send the contents of FILE'
complete -c mqtk -n $req -s s -l stdin-file -d 'Send all of stdin as the request'
complete -c mqtk -n $req -s n -l null-message -d 'Send a zero-length request'
complete -c mqtk -n $req -s q -l qos -x -a '0 1 2' -d QoS
complete -c mqtk -n $req -s R -d 'A retained message is never the reply'
complete -c mqtk -n $req -l retain-handling -x -a 'always new never' -d 'MQTT 5: retained messages on the response topic'
complete -c mqtk -n $req -s W -l timeout -x -d 'Exit 5 when no reply came in SECONDS'
complete -c mqtk -n $req -l count -x -d 'Send N requests; round trips on stderr'
complete -c mqtk -n $req -l interval -x -d 'Seconds between a reply and the next request'
complete -c mqtk -n $req -l metrics -x -d 'Serve live figures for Prometheus at [ADDRESS:]PORT'

# bench
set -l bench '__mqtk_using bench'
complete -c mqtk -n $bench -a merge -d "Combine the --json results of a run's shards"
complete -c mqtk -n $bench -l publishers -x -d 'Publishing clients'
complete -c mqtk -n $bench -l subscribers -x -d 'Subscribing clients'
complete -c mqtk -n $bench -l duration -x -d 'Seconds to measure'
complete -c mqtk -n $bench -l count -x -d 'Messages per publisher to measure'
complete -c mqtk -n $bench -l rate -x -d 'Open loop: messages/s in total'
complete -c mqtk -n $bench -l size -x -d 'Payload bytes, header included'
complete -c mqtk -n $bench -s t -l topic -x -d 'Topic per publisher, %i = its index'
complete -c mqtk -n $bench -l warmup -x -d 'Seconds before measuring'
complete -c mqtk -n $bench -s q -l qos -x -a '0 1 2' -d QoS
complete -c mqtk -n $bench -s r -l retain -d 'Publish retained'
complete -c mqtk -n $bench -l pairs -d 'Subscriber i hears only publisher i'
complete -c mqtk -n $bench -s M -l max-inflight -x -d 'Unacknowledged messages per client'
complete -c mqtk -n $bench -l storm -x -d 'Open N connections, hold them, report'
complete -c mqtk -n $bench -l conn-rate -x -d 'Connections/s in total'
complete -c mqtk -n $bench -l hold -x -d 'Seconds to hold the connections'
complete -c mqtk -n $bench -l json -d 'The result as one JSON document'
complete -c mqtk -n $bench -l shard -x -d "K/N: this machine's slice of the test"
complete -c mqtk -n $bench -l workers -x -d 'Processes to spread clients over'
complete -c mqtk -n $bench -l metrics -x -d 'Serve live figures for Prometheus at [ADDRESS:]PORT'

# bench merge FILE...
set -l merge "__mqtk_using 'bench merge'"
complete -c mqtk -n $merge -F -d 'A --json result'
complete -c mqtk -n $merge -l help -d 'Print help and exit'
complete -c mqtk -n $merge -l json -d 'The merged result as one JSON document'

# check
set -l check '__mqtk_using check'
complete -c mqtk -n $check -s t -l topic -x -d 'Topic prefix to probe under'
complete -c mqtk -n $check -s W -l timeout -x -d 'Exit 5 after SECONDS in all'
complete -c mqtk -n $check -l require -x -a 'qos2 retain wildcard shared will session v5 all' -d 'Also require these checks'
complete -c mqtk -n $check -l deep -d 'Also measure the longest topic, payload and client id'
complete -c mqtk -n $check -l json -d 'One JSON document instead of the table'

# topics
set -l topics '__mqtk_using topics'
complete -c mqtk -n $topics -s t -l topic -x -d 'Filter to listen to (default #)'
complete -c mqtk -n $topics -s W -l timeout -x -d 'Listen for SECONDS (default 3)'
complete -c mqtk -n $topics -l sys -d 'Also list $SYS/#'
complete -c mqtk -n $topics -l json -d 'One JSON object per topic'
complete -c mqtk -n $topics -l decode -x -a '(__mqtk_codecs)' -d 'Show each last payload decoded by CODEC'
complete -c mqtk -n $topics -l proto-path -x -a '(__fish_complete_directories)' -d 'Directory of .proto imports'
