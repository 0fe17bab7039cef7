import { SessionService } from './accounts/sessions.service';
import { UserService } from './accounts/users.service';
import { SystemStatusService } from './admin/system-status';
import { ReporterMail } from './reports/reporter-mail';
import { AlertsService } from './alerts/alerts.service';
import type { DevMailbox } from './alerts/dev-mail';
import type { Config } from './config';
import { EntityService } from './entities/entities.service';
import { EntityIndex } from './entities/entity-index';
import { EventBus } from './events';
import { ForceService } from './forces/forces.service';
import type { Logger } from './logger';
import { MapService } from './map/map.service';
import { MapIndex } from './map/map-index';
import { PropertyService } from './properties/properties.service';
import { ReportService } from './reports/reports.service';
import { RetentionService } from './retention/retention.service';
import { ReporterUpdates } from './triage/reporter-updates';
import { TriageService } from './triage/triage.service';

/** Everything the routes need, built once per app. Nothing here connects or starts timers. */
export interface Services {
  config: Config;
  logger: Logger;
  engineKind: string;
  sessions: SessionService;
  users: UserService;
  forces: ForceService;
  events: EventBus;
  reports: ReportService;
  /** In-memory index of all reports (map, triage filters); build() after connecting. */
  mapIndex: MapIndex;
  map: MapService;
  triage: TriageService;
  properties: PropertyService;
  /** Subscriptions, matching, advisories, outbox (the worker is started by background.ts). */
  alerts: AlertsService;
  /** Deletes and anonymises reports past their retention period (run daily by background.ts). */
  retention: RetentionService;
  /** The admin's system status (database, outbox, map index, snapshot); its outbox count runs in background.ts. */
  system: SystemStatusService;
  /** Linked intelligence: phones, vehicles, listings, line names across reports (follows the map index). */
  entityIndex: EntityIndex;
  entities: EntityService;
  /** Development mail catcher (index.ts sets it when SMTP is not configured in development). */
  devMail?: DevMailbox;
}

export function createServices(config: Config, logger: Logger, engineKind: string): Services {
  const sessions = new SessionService(config.session);
  const forces = new ForceService();
  const users = new UserService(sessions, (id) => forces.locator.has(id));
  const events = new EventBus(logger);
  const properties = new PropertyService({ forces: forces.locator });
  const reporterUpdates = new ReporterUpdates({ events, publicUrl: config.alerts.publicUrl });
  const reports = new ReportService({ forces, events, properties, reporterUpdates });
  new ReporterMail(config.alerts.publicUrl).listen(events);
  const mapIndex = new MapIndex(logger, events);
  const entityIndex = new EntityIndex();
  mapIndex.follow(entityIndex);
  const entities = new EntityService({ mapIndex, entities: entityIndex });
  const map = new MapService(mapIndex);
  const triage = new TriageService({ mapIndex, events, reporterUpdates });
  const alerts = new AlertsService({ config, logger, forces, events, properties, mapIndex });
  const retention = new RetentionService({ config, logger, events });
  const system = new SystemStatusService({ engineKind, mapIndex });
  return {
    config,
    logger,
    engineKind,
    sessions,
    users,
    forces,
    events,
    reports,
    mapIndex,
    map,
    triage,
    properties,
    alerts,
    retention,
    system,
    entityIndex,
    entities,
  };
}
