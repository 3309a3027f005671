#!/usr/bin/python3
"""Eclipse Paho's Python client (Debian's python3-paho-mqtt) as an outside client for mqtk's
interoperability tests: the same command line and output as mqttjs_client.mjs.

  paho_client.py sub --host H --port P [--version 4|5] [--qos Q] --topic T... [--count N]
                     [--timeout S] [--id ID]
  paho_client.py pub --host H --port P [--version 4|5] [--qos Q] --topic T --message M
                     [--retain] [--user-property K=V] [--content-type C] [--id ID]

sub prints each message on stdout as one JSON object (topic, payload, qos, retain,
user_properties, content_type) and "subscribed G..." on stderr once the SUBACK came.
Exit status: 0 done, 1 an error ("error: ..." on stderr), 5 the timeout passed first.
"""
import argparse
import json
import os
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def fail(message):
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    os._exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["sub", "pub"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--version", type=int, default=4, choices=[4, 5])
    parser.add_argument("--qos", type=int, default=0)
    parser.add_argument("--topic", action="append", default=[])
    parser.add_argument("--count", type=int)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--id", default=f"paho-py-{os.getpid()}")
    parser.add_argument("--message", default="")
    parser.add_argument("--retain", action="store_true")
    parser.add_argument("--user-property", action="append", default=[])
    parser.add_argument("--content-type")
    o = parser.parse_args()

    v5 = o.version == 5
    client = mqtt.Client(client_id=o.id, protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311)
    state = {"received": 0, "done": False, "mid": None}

    def on_connect(client, userdata, flags, rc, properties=None):
        if rc != 0:
            fail(f"connection refused: {rc}")
        if o.command == "sub":
            client.subscribe([(t, o.qos) for t in o.topic])
        else:
            props = None
            if v5 and (o.user_property or o.content_type):
                props = Properties(PacketTypes.PUBLISH)
                if o.user_property:
                    props.UserProperty = [tuple(p.split("=", 1)) for p in o.user_property]
                if o.content_type:
                    props.ContentType = o.content_type
            info = client.publish(o.topic[0], o.message, o.qos, o.retain, properties=props)
            state["mid"] = info.mid  # on_publish: written (QoS 0) or acknowledged

    def on_subscribe(client, userdata, mid, granted, properties=None):
        qos = [g.value if hasattr(g, "value") else g for g in granted]
        sys.stderr.write("subscribed " + " ".join(str(q) for q in qos) + "\n")
        sys.stderr.flush()

    def on_publish(client, userdata, mid):
        if mid == state["mid"]:
            sys.stderr.write("published\n")
            sys.stderr.flush()
            state["done"] = True

    def on_message(client, userdata, message):
        user, content_type = [], None
        if v5 and message.properties is not None:
            user = [list(p) for p in getattr(message.properties, "UserProperty", [])]
            content_type = getattr(message.properties, "ContentType", None)
        line = {"topic": message.topic, "payload": message.payload.decode("utf-8", "replace"),
                "qos": message.qos, "retain": bool(message.retain), "user_properties": user,
                "content_type": content_type}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        state["received"] += 1
        if o.count and state["received"] >= o.count:
            state["done"] = True

    def on_disconnect(client, userdata, rc, properties=None):
        if not state["done"]:
            fail(f"connection lost: {rc}")

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_publish = on_publish
    client.on_message = on_message
    client.on_disconnect = on_disconnect
    try:
        client.connect(o.host, o.port, keepalive=60)
    except OSError as error:
        fail(f"cannot connect: {error}")
    deadline = time.monotonic() + o.timeout
    while not state["done"]:
        if time.monotonic() >= deadline:
            sys.stderr.write("timed out\n")
            sys.exit(5)
        rc = client.loop(timeout=0.1)
        if rc != mqtt.MQTT_ERR_SUCCESS and not state["done"]:
            fail(f"connection lost: {mqtt.error_string(rc)}")
    client.disconnect()
    deadline = time.monotonic() + 2
    while client.is_connected() and time.monotonic() < deadline:
        client.loop(timeout=0.1)
    sys.exit(0)


if __name__ == "__main__":
    main()
