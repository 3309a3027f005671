# bash completion for mqtk(1), the command-line MQTT toolkit.      -*- shell-script -*-
#
# Installed as share/bash-completion/completions/mqtk, where bash-completion finds it on
# first use. The option lists below are checked against `mqtk <command> --help` by
# tests/integration/docs_test.cpp: a new command is one more entry in _mqtk_commands and
# _mqtk_options (and, for options that take a value, in _mqtk_takes_value and the value
# cases of _mqtk).

# The commands of `mqtk`, and those of `mqtk bench`.
_mqtk_commands='pub sub echo bench req check topics'
_mqtk_bench_commands='merge'

# The options of one command ("pub", "bench merge", ...), short and long.
_mqtk_options()
{
    local common='--help --config --profile
        -h --host -p --port -L --url -i --id -I --id-prefix -k --keepalive
        -V --protocol-version -u --username -P --pw --pw-file
        -c --disable-clean-session -x --session-expiry
        --will-topic --will-payload --will-qos --will-retain
        --cafile --capath --cert --key --key-password --key-password-file --insecure
        --tls-version --ciphers --psk --psk-identity --tls-alpn --tls-keylog
        --tls-use-os-certs -D --property --connect-timeout -d --debug --quiet --nodelay'
    local output='-v --verbose -N -F --format --pretty --json --decode --proto-path'
    local live='--stats --stats-interval'
    case $1 in
        pub)
            echo "$common -t --topic -m --message -f --file -s --stdin-file
                -l --stdin-line -n --null-message --jsonl -q --qos -r --retain
                --repeat --repeat-delay -M --max-inflight -W --timeout --encode --proto-path"
            ;;
        sub)
            echo "$common $output $live -t --topic -T --filter-out -U --unsubscribe -q --qos
                -C --count -W --timeout --random-filter -R --no-retained --retained-only
                --remove-retained -E --exit-after-subscribe --no-local
                --retain-as-published --retain-handling --expect --ready-file -w --watch --message-rate --metrics"
            ;;
        echo)
            echo "$common $output $live -t --topic -m --message -n --no-message --delay
                --reply-topic --responder --clean -q --qos -C --count -W --timeout --metrics"
            ;;
        req | rr)
            echo "$common $output $live -t --topic -e --response-topic -m --message -f --file
                -s --stdin-file -n --null-message -q --qos -R --retain-handling
                -W --timeout --count --interval --metrics"
            ;;
        bench)
            echo "$common $live --publishers --subscribers --duration --count --rate --size
                -t --topic --warmup -q --qos -r --retain --pairs -M --max-inflight
                --storm --conn-rate --hold --json --shard --workers --metrics"
            ;;
        'bench merge')
            echo '--help --json'
            ;;
        check)
            echo "$common -t --topic -W --timeout --require --deep --json"
            ;;
        topics)
            echo "$common -t --topic -W --timeout --sys --json --decode --proto-path"
            ;;
    esac
}

# True when option $1 consumes the next word as its value.
_mqtk_takes_value()
{
    case $1 in
        --config | --profile | -h | --host | -p | --port | -L | --url | -i | --id | \
            -I | --id-prefix | -k | --keepalive | -V | --protocol-version | \
            -u | --username | -P | --pw | --pw-file | -x | --session-expiry | \
            --will-topic | --will-payload | --will-qos | --cafile | --capath | --cert | \
            --key | --key-password | --key-password-file | --tls-version | --connect-timeout | \
            --ciphers | --psk | --psk-identity | --tls-alpn | --tls-keylog | \
            -F | --format | -t | --topic | -m | --message | -f | --file | -q | --qos | \
            --repeat | --repeat-delay | -M | --max-inflight | -W | --timeout | \
            -T | --filter-out | -U | --unsubscribe | -C | --count | --random-filter | \
            --retain-handling | --decode | --encode | --proto-path | \
            --expect | --ready-file | --delay | --reply-topic | --publishers | \
            --stats | --stats-interval | \
            -e | --response-topic | --interval | \
            --subscribers | --duration | --rate | --size | --warmup | --storm | \
            --conn-rate | --hold | --shard | --workers | --require | --metrics)
            return 0
            ;;
    esac
    return 1
}

# The MQTT 5 properties a client may send in packet $1 (-D's first argument).
_mqtk_properties()
{
    local message='payload-format-indicator message-expiry-interval content-type
        response-topic correlation-data'
    case $1 in
        connect)
            echo 'session-expiry-interval authentication-method authentication-data
                request-problem-information request-response-information receive-maximum
                topic-alias-maximum maximum-packet-size user-property'
            ;;
        publish) echo "$message topic-alias user-property" ;;
        will) echo "$message will-delay-interval user-property" ;;
        subscribe) echo 'subscription-identifier user-property' ;;
        unsubscribe) echo 'user-property' ;;
        disconnect) echo 'session-expiry-interval reason-string user-property' ;;
    esac
}

# The profiles ([sections]) of the configuration file: --config's, else the default one.
_mqtk_profiles()
{
    local file="${XDG_CONFIG_HOME:-$HOME/.config}/mqtk/config" i
    for ((i = 1; i < ${#words[@]} - 1; i++)); do
        if [[ ${words[i]} == --config ]]; then
            file=${words[i + 1]}
        elif [[ ${words[i]} == --config=* ]]; then
            file=${words[i]#--config=}
        fi
    done
    file=${file/#\~/$HOME}
    [[ -r $file ]] || return
    command sed -n 's/^[[:space:]]*\[\([^].]*\)\][[:space:]]*$/\1/p' -- "$file" 2>/dev/null
}

_mqtk()
{
    local cur prev words cword split
    _init_completion -s || return

    # The command ("sub", "bench merge"): the words before the cursor that are neither
    # options nor their values.
    local command='' i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -D | --property)
                [[ ${words[i + 2]} == user-property ]] && ((i++))
                ((i += 3 - 1))
                ;;
            -*=* | -) ;;
            -*) _mqtk_takes_value "${words[i]}" && ((i++)) ;;
            *)
                if [[ -z $command ]]; then
                    command=${words[i]}
                elif [[ $command == bench && ${words[i]} == merge ]]; then
                    command='bench merge'
                fi
                ;;
        esac
    done
    if [[ -z $command ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_mqtk_commands" -- "$cur"))
        fi
        return
    fi
    if [[ $command == 'bench merge' && $cur != -* ]]; then
        _filedir # the --json results to merge
        return
    fi

    # -D COMMAND NAME VALUE (user-property: -D COMMAND user-property KEY VALUE).
    if ((cword >= 2)) && [[ ${words[cword - 1]} == @(-D|--property) ]]; then
        COMPREPLY=($(compgen -W 'connect publish subscribe unsubscribe disconnect will' \
            -- "$cur"))
        return
    fi
    if ((cword >= 3)) && [[ ${words[cword - 2]} == @(-D|--property) ]]; then
        COMPREPLY=($(compgen -W "$(_mqtk_properties "$prev")" -- "$cur"))
        return
    fi
    if ((cword >= 4)) && [[ ${words[cword - 3]} == @(-D|--property) ]]; then
        return # the value (or the key of a user property)
    fi
    if ((cword >= 5)) && [[ ${words[cword - 4]} == @(-D|--property) &&
        ${words[cword - 2]} == user-property ]]; then
        return # the value of a user property
    fi

    # --decode protobuf:FILE.proto:...: bash splits the word at ':', so the file comes
    # after the words "protobuf" and ":".
    if ((cword >= 3)) && [[ ${words[cword - 3]} == @(--decode|--encode) &&
        ${words[cword - 2]} == protobuf && ${words[cword - 1]} == : ]]; then
        _filedir proto
        return
    fi

    case $prev in
        --decode | --encode)
            COMPREPLY=($(compgen -W 'json cbor msgpack hex base64 sparkplug protobuf:' -- "$cur"))
            [[ ${#COMPREPLY[@]} == 1 && $COMPREPLY == protobuf: ]] && compopt -o nospace
            return
            ;;
        --proto-path)
            _filedir -d
            return
            ;;
        --retain-handling)
            if [[ $command == @(req|rr) ]]; then
                COMPREPLY=($(compgen -W 'always new never 0 1 2' -- "$cur"))
            else
                COMPREPLY=($(compgen -W '0 1 2' -- "$cur"))
            fi
            return
            ;;
        -q | --qos | --will-qos)
            COMPREPLY=($(compgen -W '0 1 2' -- "$cur"))
            return
            ;;
        -V | --protocol-version)
            COMPREPLY=($(compgen -W '31 311 5 mqttv31 mqttv311 mqttv5' -- "$cur"))
            return
            ;;
        --tls-version)
            COMPREPLY=($(compgen -W 'tlsv1.3 tlsv1.2 tlsv1.1' -- "$cur"))
            return
            ;;
        --require)
            COMPREPLY=($(compgen -W 'qos2 retain wildcard shared will session v5 all' -- "$cur"))
            return
            ;;
        -h | --host)
            _known_hosts_real -- "$cur"
            return
            ;;
        -L | --url)
            COMPREPLY=($(compgen -W 'mqtt:// mqtts:// ws:// wss://' -- "$cur"))
            compopt -o nospace
            return
            ;;
        --cafile | --cert | --key | --pw-file | --key-password-file | --config | -f | --file | \
            --tls-keylog | \
            --ready-file | --stats)
            _filedir
            return
            ;;
        --capath)
            _filedir -d
            return
            ;;
        --profile)
            COMPREPLY=($(compgen -W "$(_mqtk_profiles)" -- "$cur"))
            return
            ;;
    esac
    if _mqtk_takes_value "$prev"; then
        return # free text: a topic, a message, a number...
    fi
    [[ $split == true ]] && return

    local candidates=$(_mqtk_options "$command")
    [[ $command == bench && $cur != -* ]] && candidates+=" $_mqtk_bench_commands"
    COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
} &&
    complete -F _mqtk mqtk

# ex: filetype=sh
