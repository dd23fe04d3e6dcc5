//! The second parsing stage (ripgrep's low-level -> high-level arguments): the raw clap
//! arguments of the commands become validated, typed values. Here: what a command works on
//! ([`Target`]), flag values parsed straight into library types ([`typed`]), and the
//! execution input a run starts from ([`execution_input`]).

use std::ffi::OsStr;
use std::fmt::Display;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use clap::Args;
use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use serde_json::Value;
use tuner::steps::RunInput;

use crate::aws::AwsArgs;
use crate::local_function::{LocalFunction, resolve_local};

/// Invocations per configuration when neither `--num` nor `--input` says.
pub const DEFAULT_NUM: u32 = 10;

/// Where the function is: on disk (`--local`) or deployed (`--function` and the AWS flags).
/// Flattened into `tune` and `coldstart`, which override the help of `--local`, `--function`
/// and `--endpoint-url`.
#[derive(Debug, Default, Args)]
pub struct TargetArgs {
    /// The function at PATH in the embedded emulator: a bootstrap executable or a folder holding one.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "function",
        required_unless_present = "function"
    )]
    pub local: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// What a command works on.
#[derive(Debug)]
pub enum Target {
    /// A function on disk, run in the embedded emulator.
    Local(LocalFunction),
    /// A deployed function (name or ARN), reached through the AWS flags.
    Deployed {
        /// `--function`.
        function: String,
        /// The connection flags.
        aws: AwsArgs,
    },
}

impl TryFrom<TargetArgs> for Target {
    type Error = anyhow::Error;

    fn try_from(args: TargetArgs) -> anyhow::Result<Self> {
        match (&args.local, &args.aws.function) {
            (Some(path), _) => Ok(Target::Local(resolve_local(path, None)?)),
            (None, Some(function)) => Ok(Target::Deployed {
                function: function.clone(),
                aws: args.aws,
            }),
            (None, None) => bail!("--function or --local is required"),
        }
    }
}

impl Target {
    /// The name the run gives Lambda: the registered name of a local function, or
    /// `--function`.
    pub fn lambda_arn(&self) -> &str {
        match self {
            Target::Local(function) => &function.name,
            Target::Deployed { function, .. } => function,
        }
    }
}

/// A clap value parser for a type with `FromStr`, whose error names the flag, the value, the
/// type's reason (which states the accepted range) and `example`:
/// `error: --memory 64: memory size 64 MB is out of range: Lambda accepts 128 to 10240 MB; e.g.
/// --memory 128,512,1024`. A usage error: exit 2.
pub fn typed<T>(example: &'static str) -> Typed<T> {
    Typed {
        example,
        _value: PhantomData,
    }
}

/// See [`typed`].
#[derive(Debug)]
pub struct Typed<T> {
    example: &'static str,
    _value: PhantomData<fn() -> T>,
}

impl<T> Clone for Typed<T> {
    fn clone(&self) -> Self {
        typed(self.example)
    }
}

impl<T> TypedValueParser for Typed<T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: Display,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        text.parse().map_err(|err| {
            let flag = arg
                .and_then(clap::Arg::get_long)
                .map_or_else(String::new, |long| format!("--{long} "));
            clap::Error::raw(
                ErrorKind::ValueValidation,
                format!("{flag}{text}: {err}; e.g. {}\n", self.example),
            )
            .with_cmd(cmd)
        })
    }
}

/// The execution input a run starts from: `--input FILE` (`-` for stdin) deserialized, or
/// aws-lambda-power-tuning's defaults; `lambdaARN` is `lambda_arn` and `num` defaults to
/// [`DEFAULT_NUM`]. The flags then override its typed fields.
///
/// # Errors
///
/// When the file cannot be read or is not an execution input.
pub fn execution_input(file: Option<&Path>, lambda_arn: &str) -> anyhow::Result<RunInput> {
    let mut document = match file {
        Some(path) => {
            let text = if path.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading --input from stdin")?
            } else {
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading --input {}", path.display()))?
            };
            let value: Value = serde_json::from_str(&text)
                .with_context(|| format!("--input {}: not JSON", path.display()))?;
            let Value::Object(document) = value else {
                bail!(
                    "--input: expected a JSON object like {{\"lambdaARN\": \"...\", \"num\": 10}}"
                );
            };
            document
        }
        None => serde_json::Map::new(),
    };
    // The two fields an execution input cannot do without; the flags give them.
    document.insert("lambdaARN".into(), lambda_arn.into());
    document.entry("num").or_insert(DEFAULT_NUM.into());
    serde_json::from_value(Value::Object(document)).context("the tuning input")
}
