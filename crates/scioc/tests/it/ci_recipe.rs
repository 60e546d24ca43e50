//! The CI recipe of docs/ci.md, run as written:
//! - the GitHub Actions workflow (`examples/github-actions/scioc.yml`): its shell steps, in
//!   order, with GitHub's shell and the job's and steps' environment, against a real `scioc
//!   serve`; the steps that are GitHub's own actions (checkout, cache, the SARIF upload) are
//!   checked for what they are given, the SARIF against its schema;
//! - the pre-commit hook (`.pre-commit-hooks.yaml`), installed into a local repository by the
//!   real `pre-commit` from PyPI and triggered by a real `git commit`.

use crate::support::{PASSWORD, Scioc, python_venv};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MALICIOUS_LOCK: &str = r#"{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {"": {"name": "app", "version": "1.0.0", "dependencies": {"ci-recipe-evil": "1.0.0"}},
               "node_modules/ci-recipe-evil": {"version": "1.0.0"}}}"#;
const CLEAN_LOCK: &str = r#"{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {"": {"name": "app", "version": "1.0.0", "dependencies": {"ci-recipe-evil": "2.0.0"}},
               "node_modules/ci-recipe-evil": {"version": "2.0.0"}}}"#;

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

/// A store that knows `ci-recipe-evil@1.0.0` is malicious.
fn feed() -> Scioc {
    let s = Scioc::new();
    let osv = s.dir.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = json!({
        "schema_version": "1.5.0", "id": "MAL-2026-7001", "modified": "2026-11-01T00:00:00Z", "published": "2026-11-01T00:00:00Z",
        "summary": "Malicious code in ci-recipe-evil (npm)",
        "affected": [{"package": {"ecosystem": "npm", "name": "ci-recipe-evil"}, "versions": ["1.0.0"]}]
    });
    std::fs::write(osv.join("MAL-2026-7001.json"), record.to_string()).unwrap();
    s.ok(&["ingest", "osv", osv.to_str().unwrap()], "");
    s
}

/// The directory of the `scioc` under test, for PATH.
fn bin_dir() -> PathBuf {
    crate::support::binary().parent().unwrap().to_owned()
}

fn path_with(dirs: &[&Path]) -> String {
    let mut all: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    all.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(all).unwrap().into_string().unwrap()
}

/// A command with no `SCIOC_…` variable of the test's own environment.
fn clean(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    for (k, _) in std::env::vars() {
        if k.starts_with("SCIOC_") || k.starts_with("XDG_") || k.starts_with("GIT_") {
            c.env_remove(k);
        }
    }
    c
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Replaces the `${{ … }}` expressions GitHub would, from `known`; any other expression fails.
fn expand(value: &str, known: &[(&str, String)]) -> String {
    let mut out = value.to_owned();
    for (expr, v) in known {
        out = out.replace(&format!("${{{{ {expr} }}}}"), v);
    }
    assert!(!out.contains("${{"), "an expression the recipe's test does not know: {value}");
    out
}

#[test]
fn the_github_actions_workflow_syncs_scans_and_leaves_sarif_for_the_upload() {
    let s = feed();
    s.add_user("ci", "reader");
    let server = s.serve(&[]);
    let workflow: Value =
        serde_norway::from_str(&std::fs::read_to_string(repo_file("examples/github-actions/scioc.yml")).unwrap())
            .unwrap();
    let job = &workflow["jobs"]["scan"];
    assert_eq!(workflow["permissions"]["security-events"], "write", "the upload needs it");

    let runner = tempfile::tempdir().unwrap();
    let workspace = runner.path().join("work/app");
    std::fs::create_dir_all(&workspace).unwrap();
    let known = [
        ("github.workspace", workspace.display().to_string()),
        ("github.run_id", "1".to_owned()),
        ("secrets.SCIOC_URL", server.url.clone()),
        ("secrets.SCIOC_USER", "ci".to_owned()),
        ("secrets.SCIOC_PASSWORD", PASSWORD.to_owned()),
        ("vars.SCIOC_REPOSITORY", "unused".to_owned()),
    ];
    let job_env: Vec<(String, String)> = job["env"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), expand(v.as_str().unwrap(), &known))).collect())
        .unwrap_or_default();

    // Runs the workflow's steps in order, as GitHub runs them on ubuntu-latest.
    let run = |lockfile: &str| -> Vec<(String, i32, String)> {
        std::fs::write(workspace.join("package-lock.json"), lockfile).unwrap();
        let _ = std::fs::remove_file(workspace.join("scioc.sarif"));
        let mut ran = Vec::new();
        for step in job["steps"].as_array().unwrap() {
            let id = step["id"].as_str().unwrap_or("").to_owned();
            if let Some(action) = step["uses"].as_str() {
                let with = &step["with"];
                match action.split('@').next().unwrap() {
                    "actions/checkout" => {}
                    "actions/cache" => assert_eq!(
                        expand(with["path"].as_str().unwrap(), &known),
                        job_env.iter().find(|(k, _)| k == "SCIOC_DATA_DIR").unwrap().1,
                        "the cache keeps the store the steps use"
                    ),
                    "github/codeql-action/upload-sarif" => {
                        let file = workspace.join(with["sarif_file"].as_str().unwrap());
                        assert!(step["if"].as_str().unwrap().contains("always()"), "uploaded even when the scan fails");
                        ran.push(("upload".into(), 0, std::fs::read_to_string(&file).unwrap_or_default()));
                    }
                    other => panic!("an action the recipe's test does not know: {other}"),
                }
                continue;
            }
            if id == "install" {
                // The scioc under test stands in for the one the step installs.
                assert!(step["run"].as_str().unwrap().contains("cargo install --locked"));
                continue;
            }
            let mut c = clean("bash");
            c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"].as_str().unwrap()])
                .current_dir(&workspace)
                .env("HOME", runner.path())
                .env("PATH", path_with(&[&bin_dir()]))
                .envs(job_env.iter().cloned());
            if let Some(env) = step["env"].as_object() {
                c.envs(env.iter().map(|(k, v)| (k, expand(v.as_str().unwrap(), &known))));
            }
            let out = c.output().unwrap();
            let code = out.status.code().unwrap_or(-1);
            ran.push((id, code, said(&out)));
            if code != 0 {
                // A failed step ends the job; only `if: always()` steps still run.
                for later in job["steps"].as_array().unwrap() {
                    if later["if"].as_str().is_some_and(|c| c.contains("always()"))
                        && let Some(file) = later["with"]["sarif_file"].as_str()
                    {
                        ran.push((
                            "upload".into(),
                            0,
                            std::fs::read_to_string(workspace.join(file)).unwrap_or_default(),
                        ));
                    }
                }
                break;
            }
        }
        ran
    };

    let ran = run(MALICIOUS_LOCK);
    let step = |id: &str| ran.iter().find(|(i, _, _)| i == id).unwrap_or_else(|| panic!("no step {id}: {ran:#?}"));
    assert_eq!(step("sync").1, 0, "{:?}", step("sync").2);
    assert_eq!(step("scan").1, 1, "findings fail the job: {}", step("scan").2);
    let sarif: Value = serde_json::from_str(&step("upload").2).expect("the upload finds the SARIF the scan wrote");
    let problems = crate::support::sarif_problems(&sarif);
    assert!(problems.is_empty(), "{problems:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sarif:#}");
    assert_eq!(results[0]["ruleId"], "AS-008");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "package-lock.json",
        "a path GitHub places in the repository"
    );

    // The next run resumes the mirror the cache kept, and a clean lockfile passes.
    let ran = run(CLEAN_LOCK);
    let step = |id: &str| ran.iter().find(|(i, _, _)| i == id).unwrap().clone();
    assert_eq!(step("sync").1, 0, "{}", step("sync").2);
    assert_eq!(step("scan").1, 0, "{}", step("scan").2);
    let sarif: Value = serde_json::from_str(&step("upload").2).unwrap();
    assert_eq!(sarif["runs"][0]["results"], json!([]), "a clean scan uploads no results");
    drop(server);
}

fn git(dir: &Path, args: &[&str]) -> Output {
    clean("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "scioc test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "scioc test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(out.status.success(), "git {args:?}: {}", said(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn the_pre_commit_hook_refuses_a_commit_that_adds_a_malicious_dependency() {
    let s = feed();
    let venv = python_venv("pre-commit", "pre-commit==4.2.0");
    let work = tempfile::tempdir().unwrap();

    // The hooks' repository: scioc's own hook definition, committed.
    let hooks = work.path().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    git_ok(&hooks, &["init", "-q", "-b", "main"]);
    std::fs::copy(repo_file(".pre-commit-hooks.yaml"), hooks.join(".pre-commit-hooks.yaml")).unwrap();
    git_ok(&hooks, &["add", "."]);
    git_ok(&hooks, &["commit", "-q", "-m", "hooks"]);
    let rev = git_ok(&hooks, &["rev-parse", "HEAD"]);

    // A project that uses it, as docs/ci.md shows.
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    git_ok(&project, &["init", "-q", "-b", "main"]);
    std::fs::write(
        project.join(".pre-commit-config.yaml"),
        format!("repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: scioc-scan\n", hooks.display()),
    )
    .unwrap();
    let pre_commit = |args: &[&str]| -> Output {
        clean(venv.join("bin/pre-commit"))
            .args(args)
            .current_dir(&project)
            .env("PRE_COMMIT_HOME", work.path().join("cache"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap()
    };
    let installed = pre_commit(&["install"]);
    assert!(installed.status.success(), "{}", said(&installed));
    // What `git commit` runs: the hook finds scioc and its store as the user's shell would.
    let commit = |message: &str| -> Output {
        let mut c = clean("git");
        c.args(["commit", "-q", "-m", message])
            .current_dir(&project)
            .env("PATH", path_with(&[&bin_dir(), &venv.join("bin")]))
            .env("SCIOC_DATA_DIR", s.data_dir())
            .env("PRE_COMMIT_HOME", work.path().join("cache"))
            .env("GIT_AUTHOR_NAME", "dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.invalid")
            .env("GIT_COMMITTER_NAME", "dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.invalid")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        c.output().unwrap()
    };

    // A commit without a lockfile: nothing for the hook to check.
    std::fs::write(project.join("README.md"), "# app\n").unwrap();
    git_ok(&project, &["add", "README.md", ".pre-commit-config.yaml"]);
    let out = commit("readme");
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("(no files to check)Skipped"), "{}", said(&out));

    // A malicious dependency: the commit is refused, with the finding.
    std::fs::write(project.join("package-lock.json"), MALICIOUS_LOCK).unwrap();
    git_ok(&project, &["add", "package-lock.json"]);
    let out = commit("add a dependency");
    let text = said(&out);
    assert!(!out.status.success(), "the commit went through: {text}");
    assert!(text.contains("scioc scan (known-malicious dependencies)") && text.contains("Failed"), "{text}");
    assert!(text.contains("ci-recipe-evil") && text.contains("MAL-2026-7001"), "{text}");
    assert_eq!(git_ok(&project, &["log", "--format=%s"]), "readme", "nothing was committed");

    // The fixed version: the commit goes through.
    std::fs::write(project.join("package-lock.json"), CLEAN_LOCK).unwrap();
    git_ok(&project, &["add", "package-lock.json"]);
    let out = commit("pin a clean version");
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("Passed"), "{}", said(&out));
    assert_eq!(git_ok(&project, &["log", "-1", "--format=%s"]), "pin a clean version");
}
