//! CSV exports: `/export-me` (a member's own data) and `/export` (a
//! server's check-ins, for moderators).
//!
//! Rows are written as they are read into a file in the temporary folder,
//! never all held in memory; every cell goes through
//! [`spreadsheet_safe`]. A file over Discord's attachment size limit is
//! compressed with gzip and, if still too big, split into parts of at most
//! the limit (joined again with `cat`).

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use futures_util::StreamExt;

use crate::domain::privacy::spreadsheet_safe;
use crate::domain::{GuildId, UserId};

use super::settings::Caller;
use super::{App, AppError, UserError};

/// The most attachments Discord takes on one message.
pub const MAX_PARTS: usize = 10;

/// How an export was fitted under the attachment size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// The CSV as it is.
    Plain,
    /// Compressed with gzip.
    Gzip,
    /// Compressed with gzip and cut into this many parts.
    Split(usize),
}

/// One attachment of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    offset: u64,
    len: u64,
}

/// A finished export, ready to attach.
#[derive(Debug)]
pub struct Export {
    file: Spill,
    pub packing: Packing,
    pub parts: Vec<Part>,
    /// Data rows written (the header not counted).
    pub rows: u64,
    /// The CSV's size before any compression, in bytes.
    pub csv_bytes: u64,
}

impl Export {
    /// The bytes of one part: at most the size limit the export was made
    /// for.
    pub fn read_part(&self, part: &Part) -> Result<Vec<u8>, AppError> {
        let mut file = File::open(&self.file.0).map_err(internal)?;
        file.seek(SeekFrom::Start(part.offset)).map_err(internal)?;
        let mut bytes = Vec::with_capacity(usize::try_from(part.len).unwrap_or(0));
        file.take(part.len)
            .read_to_end(&mut bytes)
            .map_err(internal)?;
        Ok(bytes)
    }
}

/// A file in the temporary folder, deleted when dropped.
#[derive(Debug)]
struct Spill(PathBuf);

impl Spill {
    fn create(what: &str) -> Result<(Self, File), AppError> {
        let path = std::env::temp_dir().join(format!(
            "secondheart-{what}-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let file = File::create(&path).map_err(internal)?;
        Ok((Self(path), file))
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn internal(error: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(error.into().context("writing an export"))
}

/// A CSV writer whose every cell is made safe for spreadsheets.
struct Sheet {
    csv: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl Sheet {
    fn new(file: File, header: &[&str]) -> Result<Self, AppError> {
        let mut csv = csv::Writer::from_writer(BufWriter::new(file));
        csv.write_record(header).map_err(internal)?;
        Ok(Self { csv, rows: 0 })
    }

    fn row(&mut self, cells: &[&str]) -> Result<(), AppError> {
        self.csv
            .write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))
            .map_err(internal)?;
        self.rows += 1;
        Ok(())
    }

    fn finish(self) -> Result<u64, AppError> {
        let mut out = self
            .csv
            .into_inner()
            .map_err(|e| internal(e.into_error()))?;
        out.flush().map_err(internal)?;
        Ok(self.rows)
    }
}

/// The columns of `/export-me`: one kind of record per row.
const MEMBER_HEADER: [&str; 12] = [
    "record",
    "instant",
    "local_date",
    "exercise",
    "amount",
    "points",
    "source",
    "logged_by_moderator",
    "note",
    "answer",
    "setting",
    "value",
];

/// The columns of `/export`.
const SERVER_HEADER: [&str; 10] = [
    "member_id",
    "member_name",
    "instant",
    "local_date",
    "exercise",
    "amount",
    "points",
    "source",
    "recorded_by",
    "note",
];

impl App {
    /// Everything the server holds of the member, as CSV: check-ins, the
    /// days retention kept of older ones, prompt answers and settings.
    /// `limit` is Discord's attachment size limit for this interaction.
    pub async fn export_member(
        &self,
        guild: GuildId,
        user: UserId,
        limit: u64,
    ) -> Result<Export, AppError> {
        let (spill, file) = Spill::create("export-me")?;
        let mut sheet = Sheet::new(file, &MEMBER_HEADER)?;
        let checkins = self
            .store
            .member_checkins(
                guild,
                user,
                chrono::DateTime::<chrono::Utc>::MIN_UTC,
                chrono::DateTime::<chrono::Utc>::MAX_UTC,
            )
            .await?;
        for c in &checkins {
            sheet.row(&[
                "checkin",
                &c.at.to_rfc3339(),
                &c.local_date.to_string(),
                c.exercise.as_str(),
                &c.amount.to_string(),
                &c.points.to_string(),
                c.source.as_str(),
                if c.recorded_by.is_some() { "yes" } else { "no" },
                c.note.as_deref().unwrap_or_default(),
                "",
                "",
                "",
            ])?;
        }
        for day in self.store.member_kept_days(guild, user).await? {
            sheet.row(&[
                "day_total",
                "",
                &day.local_date.to_string(),
                day.exercise.as_str(),
                &day.amount.to_string(),
                &day.points.to_string(),
                "",
                "",
                "",
                "",
                "",
                "",
            ])?;
        }
        for answer in self.store.member_answers(guild, user).await? {
            sheet.row(&[
                "answer",
                &answer.answered_at.to_rfc3339(),
                "",
                &answer.exercise,
                "",
                "",
                "",
                "",
                "",
                &answer.answer,
                "",
                "",
            ])?;
        }
        let prefs = self.store.member_prefs(guild, user).await?;
        let timezone = prefs.timezone.map(|tz| tz.name().to_owned());
        let leaderboard = if prefs.leaderboard_opt_out {
            "off"
        } else {
            "on"
        };
        for (setting, value) in [
            ("timezone", timezone.as_deref().unwrap_or("server")),
            ("leaderboard", leaderboard),
            ("display_name", prefs.display_name.as_deref().unwrap_or("")),
        ] {
            sheet.row(&[
                "setting", "", "", "", "", "", "", "", "", "", setting, value,
            ])?;
        }
        let rows = sheet.finish()?;
        fit("my-data", spill, rows, limit).await
    }

    /// The server's check-ins as CSV, for a moderator; audited. Read and
    /// written row by row: a big server's export is never all in memory.
    pub async fn export_server(&self, caller: &Caller, limit: u64) -> Result<Export, AppError> {
        self.authorize(caller).await?;
        let (spill, file) = Spill::create("export")?;
        let mut sheet = Sheet::new(file, &SERVER_HEADER)?;
        let mut rows = self.store.server_checkins(caller.guild);
        while let Some(row) = rows.next().await {
            let row = row?;
            let c = &row.checkin;
            sheet.row(&[
                &c.user.0.to_string(),
                row.display_name.as_deref().unwrap_or_default(),
                &c.at.to_rfc3339(),
                &c.local_date.to_string(),
                c.exercise.as_str(),
                &c.amount.to_string(),
                &c.points.to_string(),
                c.source.as_str(),
                &c.recorded_by.map(|u| u.0.to_string()).unwrap_or_default(),
                c.note.as_deref().unwrap_or_default(),
            ])?;
        }
        drop(rows);
        let rows = sheet.finish()?;
        let export = fit("checkins", spill, rows, limit).await?;
        self.log(caller, "export", format!("{rows} check-ins"))
            .await?;
        Ok(export)
    }
}

/// Fits a written CSV under `limit`: as it is, compressed, or compressed
/// and split.
async fn fit(name: &str, csv: Spill, rows: u64, limit: u64) -> Result<Export, AppError> {
    let limit = limit.max(1);
    let csv_bytes = std::fs::metadata(&csv.0).map_err(internal)?.len();
    if csv_bytes <= limit {
        return Ok(Export {
            file: csv,
            packing: Packing::Plain,
            parts: vec![Part {
                name: format!("{name}.csv"),
                offset: 0,
                len: csv_bytes,
            }],
            rows,
            csv_bytes,
        });
    }
    // Compressing a big file takes a while: off the async threads.
    let gz = tokio::task::spawn_blocking(move || gzip(&csv))
        .await
        .map_err(internal)??;
    let gz_bytes = std::fs::metadata(&gz.0).map_err(internal)?.len();
    if gz_bytes <= limit {
        return Ok(Export {
            file: gz,
            packing: Packing::Gzip,
            parts: vec![Part {
                name: format!("{name}.csv.gz"),
                offset: 0,
                len: gz_bytes,
            }],
            rows,
            csv_bytes,
        });
    }
    let count = usize::try_from(gz_bytes.div_ceil(limit)).unwrap_or(usize::MAX);
    if count > MAX_PARTS {
        return Err(UserError::ExportTooBig {
            megabytes: gz_bytes.div_ceil(1 << 20),
        }
        .into());
    }
    let parts = (0..count as u64)
        .map(|i| Part {
            name: format!("{name}.csv.gz.{:03}", i + 1),
            offset: i * limit,
            len: limit.min(gz_bytes - i * limit),
        })
        .collect();
    Ok(Export {
        file: gz,
        packing: Packing::Split(count),
        parts,
        rows,
        csv_bytes,
    })
}

fn gzip(csv: &Spill) -> Result<Spill, AppError> {
    let (gz, file) = Spill::create("export-gz")?;
    let mut encoder =
        flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::default());
    let mut input = File::open(&csv.0).map_err(internal)?;
    std::io::copy(&mut input, &mut encoder).map_err(internal)?;
    encoder
        .finish()
        .map_err(internal)?
        .flush()
        .map_err(internal)?;
    Ok(gz)
}
