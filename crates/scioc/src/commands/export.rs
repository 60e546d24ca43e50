//! `scioc export osv` and `scioc export lists`: the offline OSV databases and the lists for
//! install-time guards, written from the store through the verdict engine.

use super::{Place, open_existing_store};
use crate::cli::ExportCommand;
use crate::output;
use anyhow::{Context, Result};
use scioc_osv::{Catalog, EngineView, export, lists};
use scioc_verdict::{Engine, Sources};
use std::path::{Path, PathBuf};

pub(super) async fn export(place: &Place, cmd: ExportCommand) -> Result<()> {
    let (out, osv) = match cmd {
        ExportCommand::Tooltrust { .. } => return super::candidates::export(place, cmd).await,
        ExportCommand::Osv { out } => (out, true),
        ExportCommand::Lists { out } => (out, false),
    };
    let store = open_existing_store(place).await?;
    let engine = Engine::load(Sources { store: Some(store.as_ref()), ..Sources::default() }).await?;
    let files = if osv {
        let catalog = Catalog::build(store.as_ref(), &EngineView::of(&engine)).await?;
        let files = export::all(&catalog)?;
        let withdrawn = catalog.records().filter(|r| r.withdrawn).count();
        write(&out, &files)?;
        output::ok(&format!(
            "exported {} OSV record(s) ({withdrawn} withdrawn) in {} ecosystem(s) to {}: osv-scanner/, osv-scalibr/, the OSV bucket layout and osv-offline/",
            catalog.records().count(),
            catalog.ecosystems().len(),
            out.display()
        ));
        files.len()
    } else {
        let files = vec![
            export::File {
                path: "safe-chain/malware_predictions.json".into(),
                bytes: lists::safe_chain(&engine, "npm"),
            },
            export::File { path: "safe-chain/malware_pypi.json".into(), bytes: lists::safe_chain(&engine, "PyPI") },
            export::File { path: "safe-chain/releases/npm.json".into(), bytes: b"[]".to_vec() },
            export::File { path: "safe-chain/releases/pypi.json".into(), bytes: b"[]".to_vec() },
            export::File { path: "datadog/npm/manifest.json".into(), bytes: lists::datadog(&engine, "npm") },
            export::File { path: "datadog/pypi/manifest.json".into(), bytes: lists::datadog(&engine, "PyPI") },
            export::File { path: "scfw/findings.yaml".into(), bytes: lists::scfw(&engine) },
        ];
        write(&out, &files)?;
        output::ok(&format!(
            "exported the guard lists to {}: safe-chain/ (SAFE_CHAIN_MALWARE_LIST_BASE_URL), datadog/, scfw/findings.yaml",
            out.display()
        ));
        files.len()
    };
    tracing::debug!(files, "export written");
    Ok(())
}

/// Writes every file under `out`: each is written whole to a temporary file beside its place
/// and renamed over it, so a reader never sees half a file, and a failure leaves the files
/// already there as they were.
fn write(out: &Path, files: &[export::File]) -> Result<()> {
    for f in files {
        // Paths come from the catalog's ids and OSV's ecosystem names; refuse anything that
        // would leave the directory all the same.
        if f.path.split('/').any(|part| part.is_empty() || part == ".." || part == ".") || f.path.starts_with('/') {
            anyhow::bail!("refusing to write {:?} outside {}", f.path, out.display());
        }
        let target: PathBuf = out.join(&f.path);
        let dir = target.parent().unwrap_or(out);
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        // Created by `File::create`, so the mode follows the umask like any file a user
        // writes (these files are meant to be shared).
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.scioc-{}.tmp", std::process::id()));
        let written = std::fs::File::create(&tmp)
            .and_then(|mut file| std::io::Write::write_all(&mut file, &f.bytes))
            .and_then(|()| std::fs::rename(&tmp, &target));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("writing {}", target.display()));
        }
    }
    Ok(())
}
