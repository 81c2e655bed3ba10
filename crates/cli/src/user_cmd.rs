//! `retu user …`: people in a server's data folder, for the first officer and admin accounts
//! (everyone else joins through an invitation link, `docs/accounts.md`).
//!
//! The password is read from standard input: with `--password-stdin` the first line as it is
//! (for scripts), otherwise after a prompt on standard error, with the terminal's echo turned
//! off while it is typed when standard input is a terminal.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::{Context as _, Result, bail};
use ledger::now_micros;
use store::{NewUser, Store, User, UserRole};
use web::account::{
    PasswordProblem, check_display_name, check_login, check_password, hash_password,
};

use crate::server::{DataArgs, open_store, with_store};

#[derive(clap::Subcommand)]
pub(crate) enum UserCommand {
    /// Create a person in an organisation and print their login.
    Create(CreateArgs),
    /// Assign a county to a specialist (科技特派员), or take it away with --remove.
    Assign {
        #[command(flatten)]
        data: DataArgs,
        /// The specialist's login.
        #[arg(long)]
        login: String,
        /// The county, spelled as organisations name it (`retu org list`).
        #[arg(long)]
        county: String,
        /// Take the county away instead.
        #[arg(long)]
        remove: bool,
    },
}

#[derive(clap::Args)]
pub(crate) struct CreateArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The organisation's public ID (`retu org list`).
    #[arg(long)]
    org: String,
    /// The login: a phone number or a short name (3 to 32 letters, digits or . _ - @ +).
    #[arg(long)]
    login: String,
    /// The name shown to others. Default: the login.
    #[arg(long)]
    name: Option<String>,
    /// producer, processor, officer (a county office's), specialist or admin (the admin
    /// organisation's).
    #[arg(long, value_parser = parse_user_role)]
    role: UserRole,
    /// A county a specialist works in (repeatable).
    #[arg(long = "county")]
    counties: Vec<String>,
    /// The person's language: zh-CN or en.
    #[arg(long, default_value = "zh-CN")]
    locale: String,
    /// Read the password from the first line of standard input, without a prompt.
    #[arg(long)]
    password_stdin: bool,
}

fn parse_user_role(text: &str) -> Result<UserRole, String> {
    UserRole::parse(text)
        .ok_or_else(|| format!("{text:?} is not producer, processor, officer, specialist or admin"))
}

pub(crate) fn run(command: UserCommand, out: &mut impl std::io::Write) -> Result<()> {
    match command {
        UserCommand::Create(args) => {
            let password = read_password(args.password_stdin)?;
            match check_password(&password) {
                Err(PasswordProblem::TooShort) => bail!(
                    "a password has at least {} characters",
                    web::account::PASSWORD_MIN_CHARS
                ),
                Err(PasswordProblem::TooLong) => bail!("the password is too long"),
                Ok(()) => {}
            }
            let login = check_login(&args.login)
                .map_err(|_| {
                    anyhow::anyhow!(
                        "--login: 3 to 32 letters, digits, Chinese characters or . _ - @ +, without spaces"
                    )
                })?
                .to_owned();
            let name = check_display_name(args.name.as_deref().unwrap_or(&login))
                .map_err(|_| anyhow::anyhow!("--name: 1 to 40 characters"))?
                .to_owned();
            let locale = match args.locale.to_ascii_lowercase().as_str() {
                "zh" | "zh-cn" | "zh_cn" => "zh-CN",
                "en" => "en",
                other => bail!("--locale {other:?}: zh-CN or en"),
            };
            if !args.counties.is_empty() && args.role != UserRole::Specialist {
                bail!("--county is for specialists; an officer's county is their office's");
            }
            // Hashing is CPU work; done before the runtime starts, it blocks nothing.
            let password_hash = hash_password(&password)?;
            let user = crate::runtime()?.block_on(async {
                with_store!(open_store(&args.data).await?, |store| {
                    create_in(
                        &store,
                        &args.org,
                        NewUser {
                            org_id: 0,
                            login,
                            display_name: name,
                            password_hash,
                            role: args.role,
                            locale: locale.to_owned(),
                            created_at: now_micros(),
                        },
                        &args.counties,
                    )
                    .await
                })
            })?;
            writeln!(out, "{}", user.login)?;
        }
        UserCommand::Assign {
            data,
            login,
            county,
            remove,
        } => {
            crate::runtime()?.block_on(async {
                with_store!(open_store(&data).await?, |store| {
                    assign_in(&store, &login, &county, remove).await
                })
            })?;
        }
    }
    Ok(())
}

async fn create_in<S: Store>(
    store: &S,
    org: &str,
    mut user: NewUser,
    counties: &[String],
) -> Result<User> {
    let org = store
        .org_by_public_id(org)
        .await?
        .with_context(|| format!("no organisation {org}; `retu org list` shows them"))?;
    if !user.role.fits(org.role) {
        bail!(
            "a {} cannot belong to a {} organisation (admin: the admin organisation; officer: a county office; producer and processor: a member; specialist: a member or a county office)",
            user.role,
            org.role
        );
    }
    user.org_id = org.id;
    let created = match store.create_user(user).await {
        Err(store::StoreError::Conflict(_)) => bail!("this login is taken"),
        other => other?,
    };
    for county in counties {
        let county = county.trim();
        if county.is_empty() {
            bail!("--county must name a county");
        }
        store.assign_county(created.id, county).await?;
    }
    Ok(created)
}

async fn assign_in<S: Store>(store: &S, login: &str, county: &str, remove: bool) -> Result<()> {
    let user = store
        .user_by_login(login)
        .await?
        .with_context(|| format!("no person has the login {login:?}"))?;
    if user.role != UserRole::Specialist {
        bail!("{login} is a {}, not a specialist", user.role);
    }
    let county = county.trim();
    if county.is_empty() {
        bail!("--county must name a county");
    }
    if remove {
        store.unassign_county(user.id, county).await?;
    } else {
        store.assign_county(user.id, county).await?;
    }
    Ok(())
}

/// The password: the first line of standard input, after a prompt (echo off on a terminal)
/// unless `--password-stdin`.
fn read_password(from_stdin: bool) -> Result<String> {
    let stdin = std::io::stdin();
    let terminal = !from_stdin && stdin.is_terminal();
    if !from_stdin {
        let mut err = std::io::stderr();
        write!(
            err,
            "Password (at least {} characters): ",
            web::account::PASSWORD_MIN_CHARS
        )?;
        err.flush()?;
    }
    // `stty` is the portable way to hide typing without a terminal library.
    let echo = |on: bool| {
        if terminal {
            let _ = std::process::Command::new("stty")
                .arg(if on { "echo" } else { "-echo" })
                .stdin(std::process::Stdio::inherit())
                .status();
        }
    };
    echo(false);
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    echo(true);
    if terminal {
        let _ = writeln!(std::io::stderr());
    }
    read.context("reading the password")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!("no password given");
    }
    Ok(password.to_owned())
}
