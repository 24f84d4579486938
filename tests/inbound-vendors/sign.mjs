// Signs one inbound test delivery with the vendor's own library and prints { headers, body } as JSON.
// Input on stdin: { "vendor": "stripe" | "standardwebhooks" | "octokit" | "cloudevents-binary" | "cloudevents-structured",
//                   "secret", "payload" (the exact body text), "timestamp" (Unix seconds), "id", "event" (CloudEvent attributes and data) }.
// The server's verification code is never used here: a test that signed with it would prove nothing.
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { sign } from '@octokit/webhooks-methods';
import { CloudEvent, HTTP } from 'cloudevents';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
let out;
switch (input.vendor) {
  case 'stripe': {
    const stripe = new Stripe('sk_test_not_used_for_signing');
    const header = stripe.webhooks.generateTestHeaderString({ payload: input.payload, secret: input.secret, timestamp: input.timestamp });
    out = { headers: { 'Stripe-Signature': header }, body: input.payload };
    break;
  }
  case 'standardwebhooks': {
    const signature = new Webhook(input.secret).sign(input.id, new Date(input.timestamp * 1000), input.payload);
    out = { headers: { 'webhook-id': input.id, 'webhook-timestamp': String(input.timestamp), 'webhook-signature': signature }, body: input.payload };
    break;
  }
  case 'octokit': {
    out = { headers: { 'X-Hub-Signature-256': await sign(input.secret, input.payload) }, body: input.payload };
    break;
  }
  case 'cloudevents-binary':
  case 'cloudevents-structured': {
    const message = (input.vendor === 'cloudevents-binary' ? HTTP.binary : HTTP.structured)(new CloudEvent(input.event));
    out = { headers: message.headers, body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body) };
    break;
  }
  default:
    throw new Error(`unknown vendor ${input.vendor}`);
}
process.stdout.write(JSON.stringify(out));
