import type { Config } from './config';
import type { Logger } from './logger';
import { SessionService } from './accounts/sessions.service';
import { UserService } from './accounts/users.service';
import { EventBus } from './events';
import { ForceService } from './forces/forces.service';
import { ReportService } from './reports/reports.service';

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
}

export function createServices(config: Config, logger: Logger, engineKind: string): Services {
  const sessions = new SessionService(config.session);
  const forces = new ForceService();
  const users = new UserService(sessions, (id) => forces.locator.has(id));
  const events = new EventBus(logger);
  const reports = new ReportService({ forces, events });
  return { config, logger, engineKind, sessions, users, forces, events, reports };
}
