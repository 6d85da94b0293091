import request from 'supertest';
import type { Express } from 'express';

export type Agent = ReturnType<typeof request.agent>;

export function csrfTokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}

export function sessionCookieOf(response: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('gatehouse.sid='))?.split(';')[0];
}

/** Loads a form page and posts it with its CSRF token, as a browser would. */
export async function submitForm(agent: Agent, formPath: string, action: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const page = await agent.get(formPath).set(headers);
  return agent.post(action).set(headers).type('form').send({ ...fields, _csrf: csrfTokenIn(page.text) });
}

let counter = 0;
export function newEmail(): string {
  counter += 1;
  return `reader${Date.now()}${counter}@example.com`;
}

export const goodPassword = 'lantern harbour tide';

export async function signUp(app: Express, email = newEmail(), password = goodPassword, returnTo = '/') {
  const agent = request.agent(app);
  const response = await submitForm(agent, `/signup?returnTo=${encodeURIComponent(returnTo)}`, '/signup', { email, password, returnTo });
  if (response.status !== 303) throw new Error(`sign-up failed with ${response.status}: ${response.text.slice(0, 500)}`);
  return { agent, email, password, response };
}
