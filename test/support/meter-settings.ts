import request from 'supertest';
import type { TestApp } from './test-app';
import { defaultMeterSettings, type MeterSettings } from '../../src/meter/meter-settings';

/**
 * Sets the meter settings through the admin API as SPEC's defaults with `patch` over them.
 * `keyOf` is read when called, so a test file can make its key in beforeAll.
 */
export function meterSettingsOf(app: () => TestApp, keyOf: () => string) {
  return (patch: Partial<MeterSettings>) =>
    request(app().app).put('/admin/api/meter').set('Authorization', `Bearer ${keyOf()}`).send({ ...defaultMeterSettings, ...patch }).expect(200);
}
