// MQTT.js as a responder for `mqtk req`'s tests (integration/req_test.cpp): a counterpart
// no one here wrote.
//
//   node mqttjs_responder.mjs --host H --port P --topic T [--version 4|5]
//                             [--reply-topic R] [--stale-first] [--id ID] [--timeout S]
// Subscribes to T and answers every request "P" with "re:P":
// - MQTT 5 (the default): on the request's Response Topic, with its Correlation Data (a
//   request without a Response Topic gets no answer); --stale-first sends a reply with
//   other correlation data ("stale:P") on the same topic first, as a late answer to an
//   earlier request would arrive.
// - --reply-topic R (any version): on R, without properties.
// Prints "subscribed" on stderr once the SUBACK came, "answered P" per request. Runs until
// killed or --timeout S (default 60) passed.
import mqtt from 'mqtt';

const o = { host: '127.0.0.1', version: 5, timeout: 60, staleFirst: false };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  const value = () => args[++i];
  switch (args[i]) {
    case '--host': o.host = value(); break;
    case '--port': o.port = Number(value()); break;
    case '--topic': o.topic = value(); break;
    case '--version': o.version = Number(value()); break;
    case '--reply-topic': o.replyTopic = value(); break;
    case '--stale-first': o.staleFirst = true; break;
    case '--id': o.id = value(); break;
    case '--timeout': o.timeout = Number(value()); break;
    default:
      process.stderr.write(`error: unknown argument ${args[i]}\n`);
      process.exit(1);
  }
}

setTimeout(() => process.exit(5), o.timeout * 1000);
const client = mqtt.connect({
  host: o.host, port: o.port, protocol: 'mqtt', protocolVersion: o.version,
  clientId: o.id ?? `mqttjs-responder-${process.pid}`, clean: true, reconnectPeriod: 0,
});
client.on('error', (error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});

client.on('connect', () => {
  client.subscribe(o.topic, { qos: 1 }, (error) => {
    if (error) {
      process.stderr.write(`error: subscribe: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write('subscribed\n');
  });
});

client.on('message', (topic, payload, packet) => {
  const text = payload.toString();
  if (o.replyTopic) {
    client.publish(o.replyTopic, `re:${text}`, { qos: 1 });
  } else {
    const props = packet.properties ?? {};
    if (!props.responseTopic) return;
    const correlation = props.correlationData ?? Buffer.alloc(0);
    if (o.staleFirst) {
      client.publish(props.responseTopic, `stale:${text}`,
                     { qos: 1, properties: { correlationData: Buffer.from('not-yours') } });
    }
    client.publish(props.responseTopic, `re:${text}`,
                   { qos: 1, properties: { correlationData: correlation } });
  }
  process.stderr.write(`answered ${text}\n`);
});
