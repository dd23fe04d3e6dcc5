//! The initialize, clean and optimize call sequences against moto server, an independent
//! implementation of the Lambda control plane.

use serde_json::json;
use test_support::moto::Moto;
use tuner::handler::{Step, handle};
use tuner::steps::{self, CleanInput, OptimizeInput};

use crate::harness::{aliases_and_versions, create_function, memory_and_description, run_input};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_publishes_one_alias_per_memory_size_and_restores_the_original() {
    let moto = Moto::start();
    create_function(&moto, "target", 256, "original text");
    let client = moto.lambda_client();
    let input = run_input(json!({
        "lambdaARN": "target", "num": 5, "powerValues": [128, 512, 1024], "runId": "t1"
    }));
    let out = steps::initialize(&client, &input).await.unwrap();
    assert_eq!(out.run_id, "t1");
    assert_eq!(out.original.memory_mb, 256);
    let memories: Vec<u32> = out
        .configurations
        .iter()
        .map(|c| c.memory_mb.get())
        .collect();
    assert_eq!(memories, vec![128, 512, 1024]);

    let (aliases, versions) = aliases_and_versions(&client, "target").await;
    assert_eq!(aliases.len(), 3, "{aliases:?}");
    assert!(aliases.iter().all(|a| a.starts_with("powertune-t1-")));
    assert_eq!(versions.len(), 3, "{versions:?}");
    for c in &out.configurations {
        let v = client
            .get_function_configuration()
            .function_name("target")
            .qualifier(&c.aliases[0])
            .send()
            .await
            .unwrap();
        assert_eq!(v.memory_size(), Some(c.memory_mb.get() as i32));
    }
    assert_eq!(
        memory_and_description(&client, "target").await,
        (256, "original text".to_owned())
    );

    let cleaned = steps::clean(
        &client,
        &CleanInput {
            lambda_arn: "target".into(),
            run_id: Some("t1".into()),
            original: Some(out.original.clone()),
            temporary_functions: vec![],
        },
    )
    .await
    .unwrap();
    assert_eq!(cleaned.deleted_aliases.len(), 3);
    assert_eq!(cleaned.deleted_versions.len(), 3);
    assert!(cleaned.problems.is_empty(), "{:?}", cleaned.problems);
    let (aliases, versions) = aliases_and_versions(&client, "target").await;
    assert!(
        aliases.is_empty() && versions.is_empty(),
        "{aliases:?} {versions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_without_run_id_removes_a_killed_runs_debris_and_restores_memory() {
    let moto = Moto::start();
    create_function(&moto, "target", 512, "");
    // A user's own version and alias must survive.
    moto.boto3(
        "lam.update_function_configuration(FunctionName='target', Description='mine')\n\
         v = lam.publish_version(FunctionName='target')['Version']\n\
         lam.create_alias(FunctionName='target', Name='prod', FunctionVersion=v)\n\
         lam.update_function_configuration(FunctionName='target', Description='')\n",
    );
    let client = moto.lambda_client();
    let input = run_input(
        json!({"lambdaARN": "target", "num": 5, "powerValues": [128, 2048], "runId": "k1"}),
    );
    steps::initialize(&client, &input).await.unwrap();
    // Killed midway: $LATEST left at a test size with the run's description.
    client
        .update_function_configuration()
        .function_name("target")
        .memory_size(2048)
        .description("powertune:run-id=k1 memory=2048 original-memory=512")
        .send()
        .await
        .unwrap();

    let cleaned = steps::clean(
        &client,
        &CleanInput {
            lambda_arn: "target".into(),
            run_id: None,
            original: None,
            temporary_functions: vec![],
        },
    )
    .await
    .unwrap();
    assert!(cleaned.restored);
    let (aliases, versions) = aliases_and_versions(&client, "target").await;
    assert_eq!(aliases, vec!["prod".to_owned()]);
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0].1, "mine");
    assert_eq!(memory_and_description(&client, "target").await.0, 512);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_architecture_gets_a_tagged_temporary_copy_that_clean_deletes() {
    let moto = Moto::start();
    create_function(&moto, "target", 128, "");
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("arm64.zip");
    moto.boto3(&format!(
        "open('{}', 'wb').write(zipped('echo arm'))\n",
        zip.display()
    ));
    let client = moto.lambda_client();
    let input = run_input(json!({
        "lambdaARN": "target", "num": 5, "powerValues": [256], "runId": "a1",
        "architectures": ["x86_64", "arm64"],
        "codeByArchitecture": {"arm64": {"zipFile": zip.to_str().unwrap()}}
    }));
    let out = steps::initialize(&client, &input).await.unwrap();
    assert_eq!(out.temporary_functions.len(), 1);
    let copy = &out.temporary_functions[0];
    let arm = out
        .configurations
        .iter()
        .find(|c| c.architecture == analyzer::units::Architecture::Arm64)
        .unwrap();
    assert!(arm.temporary);
    assert_eq!(&arm.function_name, copy);
    let arn = client
        .get_function_configuration()
        .function_name(copy)
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_owned();
    let tags = client.list_tags().resource(&arn).send().await.unwrap();
    assert_eq!(
        tags.tags()
            .unwrap()
            .get("powertune:run-id")
            .map(String::as_str),
        Some("a1")
    );

    // Clean finds the copy by name and tag even when the caller does not name it.
    let cleaned = steps::clean(
        &client,
        &CleanInput {
            lambda_arn: "target".into(),
            run_id: Some("a1".into()),
            original: None,
            temporary_functions: vec![],
        },
    )
    .await
    .unwrap();
    assert_eq!(&cleaned.deleted_functions, &out.temporary_functions);
    assert!(
        client
            .get_function()
            .function_name(copy)
            .send()
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_architecture_build_is_an_invalid_input_naming_the_field() {
    let moto = Moto::start();
    create_function(&moto, "target", 128, "");
    let client = moto.lambda_client();
    let input = run_input(json!({"lambdaARN": "target", "num": 5, "architectures": ["arm64"]}));
    let err = steps::initialize(&client, &input).await.unwrap_err();
    assert_eq!(err.error_type(), "PowerTune.InvalidInput");
    assert!(
        err.to_string().contains("codeByArchitecture.arm64"),
        "{err}"
    );
    let (aliases, versions) = aliases_and_versions(&client, "target").await;
    assert!(aliases.is_empty() && versions.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimize_applies_memory_and_points_the_alias_through_the_lambda_handler() {
    let moto = Moto::start();
    create_function(&moto, "target", 128, "");
    let client = moto.lambda_client();
    let out = handle(
        &client,
        Step::Optimize,
        serde_json::to_value(OptimizeInput {
            lambda_arn: "target".into(),
            memory_mb: 1024.try_into().unwrap(),
            alias: Some("live".into()),
        })
        .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(out["alias"], "live");
    assert_eq!(memory_and_description(&client, "target").await.0, 1024);
    let alias = client
        .get_alias()
        .function_name("target")
        .name("live")
        .send()
        .await
        .unwrap();
    assert_eq!(alias.function_version(), out["version"].as_str());
}
