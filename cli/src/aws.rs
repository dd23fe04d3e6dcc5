//! Reaching Lambda: the AWS connection flags and configuration of a deployed function, and
//! clients for the embedded emulator.

use anyhow::Context;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use clap::Args;

/// The flags that reach a deployed function on AWS, part of [`crate::plan::TargetArgs`]
/// (each command overrides the help of `--function` and `--endpoint-url`).
#[derive(Debug, Default, Args)]
pub struct AwsArgs {
    /// A deployed function (name or ARN), with credentials from the usual AWS chain.
    #[arg(long, value_name = "NAME|ARN")]
    pub function: Option<String>,
    /// AWS region of the function (default: from the environment or profile).
    #[arg(long, requires = "function")]
    pub region: Option<String>,
    /// AWS profile to use.
    #[arg(long, requires = "function")]
    pub profile: Option<String>,
    /// Endpoint URL to use instead of AWS's.
    #[arg(long, value_name = "URL", requires = "function")]
    pub endpoint_url: Option<String>,
}

impl AwsArgs {
    /// The AWS configuration these flags select, with its region; see [`aws_config()`].
    ///
    /// # Errors
    ///
    /// When no region is configured.
    pub async fn sdk_config(&self) -> anyhow::Result<(aws_config::SdkConfig, String)> {
        aws_config(
            self.region.as_deref(),
            self.profile.as_deref(),
            self.endpoint_url.as_deref(),
        )
        .await
    }
}

/// Loads the AWS configuration the usual chain gives, overridden by `--region`, `--profile`
/// and `--endpoint-url`, and returns it with its region.
///
/// # Errors
///
/// When no region is configured.
pub async fn aws_config(
    region: Option<&str>,
    profile: Option<&str>,
    endpoint_url: Option<&str>,
) -> anyhow::Result<(aws_config::SdkConfig, String)> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_owned()));
    }
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let region = config
        .region()
        .map(ToString::to_string)
        .context("no AWS region: pass --region or set AWS_REGION")?;
    Ok((config, region))
}

/// The Lambda and CloudWatch Logs clients of the emulator at `endpoint`, with placeholder
/// credentials (the emulator checks none).
#[derive(Debug, Clone)]
pub struct EmulatorClients {
    /// Lambda (control plane and Invoke).
    pub lambda: aws_sdk_lambda::Client,
    /// CloudWatch Logs (served on the same endpoint).
    pub logs: aws_sdk_cloudwatchlogs::Client,
}

impl EmulatorClients {
    /// Clients for `endpoint` in `region`.
    pub fn new(endpoint: &str, region: &str) -> Self {
        let credentials = Credentials::new("local", "local", None, None, "powertune");
        let lambda = aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(endpoint)
            .credentials_provider(credentials.clone())
            .build();
        let logs = aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(endpoint)
            .credentials_provider(credentials)
            .build();
        Self {
            lambda: aws_sdk_lambda::Client::from_conf(lambda),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(logs),
        }
    }
}
