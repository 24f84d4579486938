// A CloudEvents emitter as a warehouse system would run it, with the CNCF JavaScript SDK (npm: cloudevents):
//   npm install cloudevents@10.0.0
//   RECONCILER_KEY=<the warehouse's source key> node emit.mjs [http://127.0.0.1:5080]
// It sends one event in binary mode (ce-* headers) and one in structured mode (application/cloudevents+json).
import { CloudEvent, HTTP } from 'cloudevents';

const server = process.argv[2] ?? 'http://127.0.0.1:5080';
const events = [
  [HTTP.binary, new CloudEvent({ id: 'ce-2001-reserved', source: '/warehouse/berlin', type: 'com.example.warehouse.stock.reserved',
    subject: 'order-2001', time: '2025-12-06T09:32:00Z', datacontenttype: 'application/json', data: { sku: 'SKU-42' } })],
  [HTTP.structured, new CloudEvent({ id: 'ce-parcel-77', source: '/warehouse/berlin', type: 'com.example.warehouse.parcel.shipped',
    time: '2025-12-06T15:00:00Z', datacontenttype: 'application/json', data: { carrier: 'dhl', orders: ['order-2001', 'order-2002'] } })],
];
for (const [mode, event] of events) {
  const message = mode(event);
  const response = await fetch(`${server}/v1/inbound/warehouse`, {
    method: 'POST',
    headers: { ...message.headers, Authorization: `Bearer ${process.env.RECONCILER_KEY}` },
    body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
  });
  console.log(event.type, response.status, await response.text());
}
