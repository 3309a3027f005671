// MQTT.js as an outside client for mqtk's interoperability tests; paho_client.py speaks
// the same command line and output, so the tests drive both alike.
//
//   node mqttjs_client.mjs sub --host H --port P [--version 4|5] [--qos Q] --topic T...
//                              [--count N] [--timeout S] [--id ID]
//   node mqttjs_client.mjs pub --host H --port P [--version 4|5] [--qos Q] --topic T
//                              --message M [--retain] [--user-property K=V]
//                              [--content-type C] [--id ID]
// sub prints each message on stdout as one JSON object
//   {"topic", "payload", "qos", "retain", "user_properties": [[k, v]...], "content_type"}
// and on stderr "subscribed G..." (the granted QoS of each filter) once the SUBACK came.
// Exit status: 0 done (count reached, or the publish acknowledged), 1 an error (one line
// on stderr: "error: ..."), 5 the timeout passed first.
import mqtt from 'mqtt';

function parse(argv) {
  const o = { command: argv[0], host: '127.0.0.1', version: 4, qos: 0, topics: [], retain: false,
              userProperties: {}, timeout: 20 };
  for (let i = 1; i < argv.length; ++i) {
    const value = () => argv[++i];
    switch (argv[i]) {
      case '--host': o.host = value(); break;
      case '--port': o.port = Number(value()); break;
      case '--version': o.version = Number(value()); break;
      case '--qos': o.qos = Number(value()); break;
      case '--topic': o.topics.push(value()); break;
      case '--count': o.count = Number(value()); break;
      case '--timeout': o.timeout = Number(value()); break;
      case '--id': o.id = value(); break;
      case '--message': o.message = value(); break;
      case '--retain': o.retain = true; break;
      case '--content-type': o.contentType = value(); break;
      case '--user-property': {
        const [k, ...v] = value().split('=');
        o.userProperties[k] = v.join('=');
        break;
      }
      default: fail(`unknown argument ${argv[i]}`);
    }
  }
  return o;
}

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

const o = parse(process.argv.slice(2));
const timer = setTimeout(() => {
  process.stderr.write('timed out\n');
  process.exit(5);
}, o.timeout * 1000);

const client = mqtt.connect({
  host: o.host, port: o.port, protocol: 'mqtt', protocolVersion: o.version,
  clientId: o.id ?? `mqttjs-${process.pid}`, clean: true, reconnectPeriod: 0,
  connectTimeout: o.timeout * 1000,
});
client.on('error', (error) => fail(error.message));
client.on('close', () => { if (!client.connected && !done) fail('connection closed'); });
let done = false;
let received = 0;

function finish() {
  done = true;
  clearTimeout(timer);
  client.end(false, {}, () => process.exit(0));
}

client.on('connect', () => {
  if (o.command === 'sub') {
    client.subscribe(o.topics, { qos: o.qos }, (error, granted) => {
      if (error) fail(`subscribe: ${error.message}`);
      process.stderr.write(`subscribed ${granted.map((g) => g.qos).join(' ')}\n`);
    });
  } else if (o.command === 'pub') {
    const options = { qos: o.qos, retain: o.retain };
    if (o.version === 5) {
      options.properties = {};
      if (Object.keys(o.userProperties).length) options.properties.userProperties = o.userProperties;
      if (o.contentType) options.properties.contentType = o.contentType;
    }
    client.publish(o.topics[0], o.message ?? '', options, (error) => {
      if (error) fail(`publish: ${error.message}`);
      process.stderr.write('published\n');
      finish();
    });
  } else {
    fail(`unknown command ${o.command}`);
  }
});

client.on('message', (topic, payload, packet) => {
  const props = packet.properties ?? {};
  const user = Object.entries(props.userProperties ?? {}).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((one) => [k, String(one)]));
  process.stdout.write(JSON.stringify({
    topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain,
    user_properties: user, content_type: props.contentType ?? null,
  }) + '\n');
  if (o.count && ++received >= o.count) finish();
});
