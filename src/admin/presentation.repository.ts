import type { Clock } from '../config/clock';
import type { Db } from '../store/database';
import { SettingsDocumentRepository } from '../store/settings-document.repository';

/** The presentation document in the settings table (beside the meter's), with its version. */
export class PresentationRepository extends SettingsDocumentRepository {
  constructor(db: Db, clock: Clock) {
    super(db, clock, 'presentation');
  }
}
