import mongoose from 'mongoose';

mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', true);

export interface DbInfo {
  engine: 'mongodb' | 'ferretdb';
  version: string;
}

/** Connects the default mongoose connection with a bounded pool and short timeouts (`extra`: e.g. the tests' `monitorCommands`). */
export async function connectDb(uri: string, dbName: string, extra: mongoose.ConnectOptions = {}): Promise<typeof mongoose> {
  return mongoose.connect(uri, {
    dbName,
    maxPoolSize: 20,
    minPoolSize: 0,
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    socketTimeoutMS: 60_000,
    heartbeatFrequencyMS: 2000,
    autoIndex: true,
    ...extra,
  });
}

export async function disconnectDb(): Promise<void> {
  await mongoose.disconnect();
}

/** Which server this is (FerretDB reports `ferretdbVersion` in buildInfo). Throws when the database is unreachable. */
export async function dbInfo(timeoutMs = 2000): Promise<DbInfo> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) throw new Error('not connected');
  const info = await withTimeout(db.admin().command({ buildInfo: 1 }), timeoutMs);
  await withTimeout(db.command({ ping: 1 }), timeoutMs);
  return info.ferretdbVersion
    ? {
        engine: 'ferretdb',
        version: `${info.ferretdbVersion === 'unknown' ? 'embedded' : info.ferretdbVersion} (MongoDB ${info.version} wire)`,
      }
    : { engine: 'mongodb', version: String(info.version) };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('database timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
