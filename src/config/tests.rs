use figment::Jail;

use super::*;

/// Runs `f` in a temp directory with a clean environment.
fn jail(f: impl FnOnce(&mut Jail) -> figment::Result<()>) {
    Jail::expect_with(|jail| {
        jail.clear_env();
        f(jail)
    });
}

fn load_err(explicit: Option<&Path>) -> String {
    load(explicit)
        .expect_err("config should be refused")
        .to_string()
}

#[test]
fn defaults_apply_without_any_file() {
    jail(|_| {
        let loaded = load(None).unwrap();
        assert!(loaded.files.is_empty());
        let s = loaded.settings;
        assert_eq!(s.database.url, "sqlite://data/secondheart.db");
        assert_eq!(s.scheduler.catch_up_window_minutes, 10);
        assert_eq!(s.shutdown.grace_seconds, 10);
        assert_eq!(s.defaults.timezone, Tz::UTC);
        assert!(s.discord.api_url.is_none());
        assert!(s.http.listen.is_none());
        Ok(())
    });
}

#[test]
fn the_shipped_default_file_loads_and_changes_nothing() {
    jail(|jail| {
        jail.create_dir("config")?;
        jail.create_file(DEFAULT_FILE, DEFAULTS)?;
        let loaded = load(None).unwrap();
        assert_eq!(loaded.files, vec![PathBuf::from(DEFAULT_FILE)]);
        assert_eq!(loaded.settings, Settings::default());
        Ok(())
    });
}

/// The defaults are the documentation: every key in the built-in file
/// (which must set them all, as no setting is optional) has a comment
/// right above it, or above the keys it is grouped with.
#[test]
fn every_default_is_set_and_documented() {
    let _ = Settings::default();
    let mut commented = false;
    for (number, line) in DEFAULTS.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') {
            commented = true;
        } else if line.is_empty() || line.starts_with('[') {
            commented = false;
        } else {
            assert!(
                commented,
                "config/default.toml line {}: `{line}` has no comment",
                number + 1
            );
        }
    }
}

#[test]
fn scheduler_durations_are_kept_within_what_works() {
    jail(|jail| {
        jail.set_env("SECONDHEART__SCHEDULER__SNOOZE_SECONDS", "900");
        let error = load(None).unwrap_err().to_string();
        assert!(
            error.contains("scheduler.snooze_seconds")
                && error.contains("expected a number from 1 to 840, found 900"),
            "{error}"
        );
        jail.set_env("SECONDHEART__SCHEDULER__SNOOZE_SECONDS", "5");
        jail.set_env("SECONDHEART__SCHEDULER__CLAIM_LEASE_SECONDS", "3");
        let error = load(None).unwrap_err().to_string();
        assert!(error.contains("scheduler.claim_lease_seconds"), "{error}");
        jail.set_env("SECONDHEART__SCHEDULER__CLAIM_LEASE_SECONDS", "30");
        let s = load(None).unwrap().settings;
        assert_eq!(
            (s.scheduler.snooze_seconds, s.scheduler.claim_lease_seconds),
            (5, 30)
        );
        Ok(())
    });
}

#[test]
fn layers_apply_in_order() {
    jail(|jail| {
        jail.create_dir("config")?;
        jail.create_file(
            DEFAULT_FILE,
            "[limits]\nmax_schedules_per_server = 10\nmin_interval_minutes = 7\n",
        )?;
        jail.create_file("local.toml", "[limits]\nmax_schedules_per_server = 20\n")?;
        jail.set_env("SECONDHEART__LIMITS__MIN_INTERVAL_MINUTES", "15");
        jail.set_env("SECONDHEART__HTTP__LISTEN", "127.0.0.1:9100");
        let s = load(Some(Path::new("local.toml"))).unwrap().settings;
        assert_eq!(s.limits.max_schedules_per_server, 20);
        assert_eq!(s.limits.min_interval_minutes, 15);
        assert_eq!(s.http.listen, Some("127.0.0.1:9100".parse().unwrap()));
        Ok(())
    });
}

#[test]
fn the_config_file_can_come_from_the_environment() {
    jail(|jail| {
        jail.create_file("ops.toml", "[log]\nformat = \"json\"\n")?;
        jail.set_env(CONFIG_FILE_VAR, "ops.toml");
        assert_eq!(load(None).unwrap().settings.log.format, LogFormat::Json);
        Ok(())
    });
}

#[test]
fn an_unknown_key_is_named() {
    jail(|jail| {
        jail.create_file("bad.toml", "[database]\nurll = \"sqlite://x.db\"\n")?;
        let err = load_err(Some(Path::new("bad.toml")));
        assert!(
            err.starts_with("config key `database.urll`: unknown key"),
            "{err}"
        );
        assert!(err.contains("bad.toml"), "{err}");
        Ok(())
    });
}

#[test]
fn an_unknown_section_is_named() {
    jail(|jail| {
        jail.create_file("bad.toml", "[databse]\nurl = \"sqlite://x.db\"\n")?;
        let err = load_err(Some(Path::new("bad.toml")));
        assert!(
            err.starts_with("config key `databse`: unknown key"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn a_wrong_type_is_named() {
    jail(|jail| {
        jail.create_file(
            "bad.toml",
            "[limits]\nmax_schedules_per_server = \"lots\"\n",
        )?;
        let err = load_err(Some(Path::new("bad.toml")));
        assert!(
            err.starts_with("config key `limits.max_schedules_per_server`: expected u32"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn an_unknown_time_zone_is_named() {
    jail(|jail| {
        jail.create_file("bad.toml", "[defaults]\ntimezone = \"Mars/Olympus\"\n")?;
        let err = load_err(Some(Path::new("bad.toml")));
        assert!(
            err.starts_with("config key `defaults.timezone`: unknown time zone `Mars/Olympus`"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn bad_urls_and_addresses_are_named() {
    jail(|jail| {
        jail.create_file("a.toml", "[discord]\napi_url = \"not a url\"\n")?;
        let err = load_err(Some(Path::new("a.toml")));
        assert!(
            err.starts_with("config key `discord.api_url`: `not a url` is not a valid URL"),
            "{err}"
        );
        jail.create_file("b.toml", "[discord]\napi_url = \"ftp://example.org\"\n")?;
        let err = load_err(Some(Path::new("b.toml")));
        assert!(err.contains("is not an http(s) URL"), "{err}");
        jail.create_file("c.toml", "[database]\nurl = \"mysql://db/x\"\n")?;
        let err = load_err(Some(Path::new("c.toml")));
        assert!(
            err.starts_with("config key `database.url`: `mysql://db/x` is not a database URL"),
            "{err}"
        );
        jail.create_file("d.toml", "[http]\nlisten = \"everywhere\"\n")?;
        let err = load_err(Some(Path::new("d.toml")));
        assert!(err.starts_with("config key `http.listen`"), "{err}");
        jail.create_file("e.toml", "[log]\nlevel = \"secondheart=loudest\"\n")?;
        let err = load_err(Some(Path::new("e.toml")));
        assert!(err.starts_with("config key `log.level`"), "{err}");
        Ok(())
    });
}

#[test]
fn a_bad_environment_override_names_the_variable() {
    jail(|jail| {
        jail.set_env("SECONDHEART__DEFAULTS__TIMEZONE", "Mars/Olympus");
        let err = load_err(None);
        assert!(err.starts_with("config key `defaults.timezone`"), "{err}");
        assert!(err.contains("SECONDHEART__DEFAULTS__TIMEZONE"), "{err}");
        Ok(())
    });
}

#[test]
fn a_token_in_a_file_is_refused_with_the_reason() {
    jail(|jail| {
        jail.create_file("bad.toml", "[discord]\ntoken = \"abc\"\n")?;
        let err = load_err(Some(Path::new("bad.toml")));
        assert!(err.contains("never read from configuration"), "{err}");
        Ok(())
    });
}

#[test]
fn a_missing_or_broken_file_is_named() {
    jail(|jail| {
        let err = load_err(Some(Path::new("nowhere.toml")));
        assert_eq!(err, "config file nowhere.toml: no such file");
        jail.create_file("broken.toml", "[database\n")?;
        let err = load_err(Some(Path::new("broken.toml")));
        assert!(
            err.starts_with("config file broken.toml: TOML parse error at line 1"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
        Ok(())
    });
}

#[test]
fn the_token_comes_from_the_variable_or_a_file_and_never_prints() {
    jail(|jail| {
        assert!(load_token().unwrap().is_none());
        jail.set_env(TOKEN_VAR, "secret-token-value");
        let (token, source) = load_token().unwrap().unwrap();
        assert_eq!(token.expose(), "secret-token-value");
        assert_eq!(source, TokenSource::Variable);
        assert!(!format!("{token:?}").contains("secret"));

        jail.create_file("token", "file-token\n")?;
        jail.set_env(TOKEN_FILE_VAR, "token");
        assert!(load_token().unwrap_err().to_string().contains("not both"));
        jail.set_env(TOKEN_VAR, "");
        let (token, source) = load_token().unwrap().unwrap();
        assert_eq!(token.expose(), "file-token");
        assert_eq!(source, TokenSource::File("token".into()));

        jail.set_env(TOKEN_FILE_VAR, "missing");
        assert!(load_token()
            .unwrap_err()
            .to_string()
            .starts_with("DISCORD_TOKEN_FILE: cannot read missing"));
        jail.set_env(TOKEN_FILE_VAR, "");
        jail.set_env(TOKEN_VAR, "two words");
        assert!(load_token().is_err());
        Ok(())
    });
}

#[test]
fn a_bad_catalog_file_is_named() {
    jail(|jail| {
        jail.create_file("ex.toml", "[[exercise]]\nkey = \"walk\"\n")?;
        jail.set_env("SECONDHEART__CATALOG__PATH", "ex.toml");
        let settings = load(None).unwrap().settings;
        let err = load_catalog(&settings).unwrap_err().to_string();
        assert!(err.starts_with("exercise catalog ex.toml:"), "{err}");
        let built_in = load_catalog(&Settings::default()).unwrap();
        assert!(built_in.get("walk").is_some());
        Ok(())
    });
}

#[test]
fn the_database_is_a_sqlite_or_postgres_url_and_a_bad_one_is_named_without_its_password() {
    jail(|jail| {
        jail.set_env(
            "SECONDHEART__DATABASE__URL",
            "postgres://bot:secret@db.internal:5432/secondheart",
        );
        let loaded = load(None).unwrap();
        assert_eq!(
            loaded.settings.database.url,
            "postgres://bot:secret@db.internal:5432/secondheart"
        );
        jail.set_env(
            "SECONDHEART__DATABASE__URL",
            "mysql://bot:secret@db.internal/x",
        );
        let err = load_err(None);
        assert!(err.contains("is not a database URL"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        // A PostgreSQL URL needs a host and a database.
        jail.set_env("SECONDHEART__DATABASE__URL", "postgres://db.internal");
        assert!(load_err(None).contains("is not a database URL"));
        Ok(())
    });
}

#[test]
fn shards_are_auto_by_default_and_a_range_from_a_file_or_the_environment() {
    use crate::domain::shards::{ShardRange, Shards};
    jail(|jail| {
        let s = load(None).unwrap().settings;
        assert_eq!(s.discord.shards, Shards::Auto);
        assert!(!s.discord.rest_proxy);
        jail.create_file("a.toml", "[discord]\nshards = \"0-3/16\"\n")?;
        let s = load(Some(Path::new("a.toml"))).unwrap().settings;
        assert_eq!(
            s.discord.shards,
            Shards::Range(ShardRange::new(0, 3, 16).unwrap())
        );
        jail.set_env("SECONDHEART__DISCORD__SHARDS", "1/2");
        jail.set_env("SECONDHEART__DISCORD__REST_PROXY", "true");
        // A shared proxy is a URL to send through.
        let err = load_err(Some(Path::new("a.toml")));
        assert_eq!(
            err,
            "config key `discord.rest_proxy`: needs discord.api_url, the shared rate-limit proxy every process sends through"
        );
        jail.set_env(
            "SECONDHEART__DISCORD__API_URL",
            "http://proxy.internal:8080",
        );
        let s = load(Some(Path::new("a.toml"))).unwrap().settings;
        assert_eq!(
            s.discord.shards,
            Shards::Range(ShardRange::new(1, 1, 2).unwrap())
        );
        assert!(s.discord.rest_proxy);
        Ok(())
    });
}

#[test]
fn a_bad_shard_range_is_named_in_one_line() {
    jail(|jail| {
        jail.create_file("a.toml", "[discord]\nshards = \"3-1/4\"\n")?;
        let err = load_err(Some(Path::new("a.toml")));
        assert_eq!(
            err,
            "config key `discord.shards`: the range 3-1 ends before it starts (in a.toml)"
        );
        jail.set_env("SECONDHEART__DISCORD__SHARDS", "0-4/4");
        let err = load_err(None);
        assert!(
            err.starts_with("config key `discord.shards`: shard 4 does not exist")
                && err.contains("SECONDHEART__DISCORD__SHARDS")
                && !err.contains('\n'),
            "{err}"
        );
        jail.set_env("SECONDHEART__DISCORD__SHARDS", "half");
        let err = load_err(None);
        assert!(
            err.contains("`half` is not `auto` or a shard range"),
            "{err}"
        );
        Ok(())
    });
}
