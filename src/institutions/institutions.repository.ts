import type { Clock } from '../config/clock';
import type { Db } from '../store/database';
import { SettingsDocumentRepository } from '../store/settings-document.repository';

/** The institutions document in the settings table (beside the meter's and the presentation's), with its version. */
export class InstitutionsRepository extends SettingsDocumentRepository {
  constructor(db: Db, clock: Clock) {
    super(db, clock, 'institutions');
  }
}
