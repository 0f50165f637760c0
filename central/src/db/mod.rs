//! Storage behind a trait. [`Sql`] is one open transaction that runs parameterised SQL in the
//! dialect both databases share (`$1` placeholders, `ON CONFLICT`, `RETURNING`); [`Backend`]
//! opens transactions: [`Sqlite`] (embedded, the default) or [`Postgres`]. The business
//! operations in `store` are written once against `Sql`.

pub mod migrations;
pub mod pg_tls;

use anyhow::{anyhow, Context, Result};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

/// A parameter or column value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Blob(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// One result row, read by column name (an alias for anything computed).
#[derive(Clone, Debug)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    pub fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        Row { columns, values }
    }

    /// The value of `column`. Naming a column the query did not select is a programming
    /// error: tests panic on it; a server logs it and reads NULL.
    fn get(&self, column: &str) -> Option<&Value> {
        let index = self.columns.iter().position(|c| c == column);
        if index.is_none() {
            debug_assert!(false, "no column {column:?} in {:?}", self.columns);
            log::error!("no column {column:?} in the row ({:?})", self.columns);
        }
        index.and_then(|i| self.values.get(i))
    }
    pub fn int(&self, column: &str) -> i64 {
        self.opt_int(column).unwrap_or(0)
    }
    pub fn opt_int(&self, column: &str) -> Option<i64> {
        match self.get(column) {
            Some(Value::Int(v)) => Some(*v),
            Some(Value::Text(t)) => t.parse().ok(),
            _ => None,
        }
    }
    pub fn text(&self, column: &str) -> String {
        self.opt_text(column).unwrap_or_default()
    }
    pub fn opt_text(&self, column: &str) -> Option<String> {
        match self.get(column) {
            Some(Value::Text(t)) => Some(t.clone()),
            Some(Value::Int(v)) => Some(v.to_string()),
            _ => None,
        }
    }
    pub fn blob(&self, column: &str) -> Vec<u8> {
        match self.get(column) {
            Some(Value::Blob(b)) => b.clone(),
            Some(Value::Text(t)) => t.as_bytes().to_vec(),
            _ => Vec::new(),
        }
    }
}

/// An open transaction.
pub trait Sql {
    /// Runs a statement; the number of rows changed.
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    /// Runs several statements without parameters (migrations).
    fn exec_batch(&mut self, sql: &str) -> Result<()>;
    /// `" FOR UPDATE"` where the database has row locks (SQLite locks the whole database).
    fn for_update(&self) -> &'static str;
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Opens transactions on one database. Implementations must roll back when `f` fails.
pub trait Backend: Send + Sync {
    fn name(&self) -> &'static str;
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Sql) -> Result<()>) -> Result<()>;
}

/// Runs `f` in one transaction of `backend` and returns its value.
pub fn transaction<T>(backend: &dyn Backend, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    backend.transaction(&mut |sql| {
        let f = f.take().ok_or_else(|| anyhow!("transaction body run twice"))?;
        out = Some(f(sql)?);
        Ok(())
    })?;
    out.ok_or_else(|| anyhow!("transaction produced nothing"))
}

// ---------------------------------------------------------------------------------------
// SQLite

/// Embedded SQLite in WAL mode. One connection: SQLite has a single writer anyway, and every
/// transaction starts IMMEDIATE so two writers never deadlock on a lock upgrade.
pub struct Sqlite {
    conn: Mutex<rusqlite::Connection>,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        let conn = rusqlite::Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL: a committed transaction survives a crash of the process; a power
        // cut may lose the last commits (FULL costs an fsync per commit, ~240/s here).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A purged value is overwritten in the file, not left in a free page.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let sqlite = Sqlite { conn: Mutex::new(conn) };
        transaction(&sqlite, |sql| migrations::apply(sql, "BLOB", None))?;
        Ok(sqlite)
    }
}

/// `$12` → `?12` (SQLite's numbered parameters).
fn sqlite_dialect(sql: &str) -> String {
    sql.replace('$', "?")
}

fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

struct SqliteTx<'a>(&'a rusqlite::Transaction<'a>);

impl Sql for SqliteTx<'_> {
    fn exec_batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.0.execute_batch(sql)?)
    }
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(&sqlite_dialect(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter().map(to_sqlite)))? as u64)
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(&sqlite_dialect(sql))?;
        let names: Arc<[String]> = stmt.column_names().map(str::to_string).collect();
        let columns = names.len();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(to_sqlite)))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                use rusqlite::types::ValueRef;
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Int(v as i64),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row::new(Arc::clone(&names), values));
        }
        Ok(out)
    }
    fn for_update(&self) -> &'static str {
        ""
    }
}

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Sql) -> Result<()>) -> Result<()> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        f(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

/// PostgreSQL through a small pool of blocking clients (READ COMMITTED; the operations lock
/// the rows they update with `FOR UPDATE` or rely on `ON CONFLICT`).
pub struct Postgres {
    target: pg_tls::PgTarget,
    pool: Mutex<PgPool>,
    freed: Condvar,
}

struct PgPool {
    idle: Vec<postgres::Client>,
    open: usize,
    max: usize,
}

impl Postgres {
    pub fn open(url: &str, max: usize) -> Result<Postgres> {
        let target = pg_tls::PgTarget::parse(url)?;
        let client = target.connect()?;
        let pg = Postgres {
            target,
            pool: Mutex::new(PgPool {
                idle: vec![client],
                open: 1,
                max: max.max(1),
            }),
            freed: Condvar::new(),
        };
        // Two instances starting together must not race on the schema: one waits.
        transaction(&pg, |sql| {
            migrations::apply(sql, "BYTEA", Some("SELECT pg_advisory_xact_lock(1414)"))
        })?;
        Ok(pg)
    }

    fn take(&self) -> Result<postgres::Client> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(client) = pool.idle.pop() {
                return Ok(client);
            }
            if pool.open < pool.max {
                pool.open += 1;
                drop(pool);
                return self.target.connect().inspect_err(|_| {
                    self.pool.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                });
            }
            pool = self.freed.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn give_back(&self, client: postgres::Client) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if client.is_closed() {
            pool.open -= 1;
        } else {
            pool.idle.push(client);
        }
        self.freed.notify_one();
    }
}

impl Drop for Postgres {
    /// A `postgres::Client` closes itself by blocking on its own small runtime, which panics
    /// on a thread that drives tokio tasks. When the pool goes away on such a thread (a
    /// server shutting down), its clients are closed on a thread of their own.
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.pool.get_mut().unwrap_or_else(|p| p.into_inner()).idle);
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new()
                .name("pg-close".into())
                .spawn(move || drop(idle));
        }
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(v) if *ty == Type::INT4 => (*v as i32).to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Text(t) => t.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }
    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
    postgres::types::to_sql_checked!();
}

struct PgTx<'a, 'b>(&'a mut postgres::Transaction<'b>);

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl Sql for PgTx<'_, '_> {
    fn exec_batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.0.batch_execute(sql)?)
    }
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        Ok(self.0.execute(sql, &pg_params(params))?)
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        use postgres::types::Type;
        let rows = self.0.query(sql, &pg_params(params))?;
        let mut out = Vec::with_capacity(rows.len());
        let names: Arc<[String]> = match rows.first() {
            Some(row) => row.columns().iter().map(|c| c.name().to_string()).collect(),
            None => Arc::from([]),
        };
        for row in rows {
            let mut values = Vec::with_capacity(row.len());
            for (i, column) in row.columns().iter().enumerate() {
                let ty = column.type_();
                let value = if *ty == Type::INT8 {
                    row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
                } else if *ty == Type::INT4 {
                    row.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into()))
                } else if *ty == Type::BYTEA {
                    row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
                } else {
                    row.try_get::<_, Option<String>>(i)?.map(Value::Text)
                };
                values.push(value.unwrap_or(Value::Null));
            }
            out.push(Row::new(Arc::clone(&names), values));
        }
        Ok(out)
    }
    fn for_update(&self) -> &'static str {
        " FOR UPDATE"
    }
}

impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Sql) -> Result<()>) -> Result<()> {
        // The blocking client runs its own small runtime: called from async code (tests,
        // tools), step out of the caller's runtime first.
        if tokio::runtime::Handle::try_current().is_ok() {
            return tokio::task::block_in_place(|| self.run(f));
        }
        self.run(f)
    }
}

impl Postgres {
    fn run(&self, f: &mut dyn FnMut(&mut dyn Sql) -> Result<()>) -> Result<()> {
        let mut client = self.take()?;
        let result = (|| {
            let mut tx = client.transaction()?;
            f(&mut PgTx(&mut tx))?;
            tx.commit()?;
            Ok(())
        })();
        self.give_back(client);
        result
    }
}

/// Opens the database named by `url`: `postgres://…` / `postgresql://…`, else a SQLite file.
pub fn open(url: Option<&str>, default_sqlite: &Path) -> Result<Box<dyn Backend>> {
    match url {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            Ok(Box::new(Postgres::open(u, 8)?))
        }
        Some(u) => Ok(Box::new(Sqlite::open(Path::new(u.trim_start_matches("sqlite://")))?)),
        None => Ok(Box::new(Sqlite::open(default_sqlite)?)),
    }
}
