// Aedes, a Node.js MQTT broker, on 127.0.0.1:PORT for mqtk's interoperability tests.
// Usage: node aedes_broker.mjs PORT. Prints "listening on 127.0.0.1:PORT" once it
// accepts connections, one line per client event after that, and exits on SIGTERM/SIGINT.
// It lives beside the node_modules that tests/support/interop/install.sh made.
import net from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const aedes = await Aedes.createBroker();
const server = net.createServer(aedes.handle);

aedes.on('client', (client) => console.log(`client ${client.id} connected`));
aedes.on('clientDisconnect', (client) => console.log(`client ${client.id} disconnected`));
aedes.on('clientError', (client, error) => console.log(`client ${client.id} error: ${error.message}`));
aedes.on('subscribe', (subscriptions, client) => {
  for (const s of subscriptions) console.log(`client ${client.id} subscribed ${s.qos} ${s.topic}`);
});

server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
server.on('error', (error) => {
  console.error(`aedes: ${error.message}`);
  process.exit(1);
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close();
  aedes.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
