import express from 'express';
import request from 'supertest';
import { apiBody, idempotency } from './stripe-api.routes';

/** An endpoint behind the idempotency layer that answers a new id each time it is really reached. */
function app() {
  let made = 0;
  const a = express();
  a.use(apiBody, idempotency());
  a.post('/v1/things', (_req, res) => void res.json({ id: `thing_${(made += 1)}` }));
  return a;
}

describe("the Stripe dev server's idempotency keys", () => {
  it('when a POST is repeated with its key and the same parameters, then the first answer comes back', async () => {
    const a = app();
    const first = await request(a).post('/v1/things').set('Idempotency-Key', 'k1').type('form').send({ price: 'p', expires_at: '100' }).expect(200);
    const again = await request(a).post('/v1/things').set('Idempotency-Key', 'k1').type('form').send({ price: 'p', expires_at: '100' }).expect(200);
    expect(again.body).toEqual(first.body);
    expect((await request(a).post('/v1/things').set('Idempotency-Key', 'k2').type('form').send({ price: 'p' })).body).not.toEqual(first.body);
  });

  it('when the key is reused with other parameters, then 400 idempotency_error, as Stripe answers', async () => {
    const a = app();
    await request(a).post('/v1/things').set('Idempotency-Key', 'k1').type('form').send({ price: 'p', expires_at: '100' }).expect(200);
    const other = await request(a).post('/v1/things').set('Idempotency-Key', 'k1').type('form').send({ price: 'p', expires_at: '101' }).expect(400);
    expect(other.body.error).toMatchObject({ type: 'idempotency_error' });
  });
});
