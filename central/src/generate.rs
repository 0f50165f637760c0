//! `township-central generate DIR`: the man page and the bash, zsh and fish completions the
//! Debian package installs, rendered from the command-line definition.

use clap::Command;
use clap_complete::Shell;
use std::path::{Path, PathBuf};

/// Writes `DIR/man/NAME.1` and `DIR/completions/*`; returns the files written.
pub fn write_assets(mut command: Command, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    command.build();
    let name = command.get_name().to_string();
    let (man_dir, completion_dir) = (dir.join("man"), dir.join("completions"));
    for folder in [&man_dir, &completion_dir] {
        std::fs::create_dir_all(folder)?;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    let man_page = man_dir.join(format!("{name}.1"));
    std::fs::write(&man_page, page)?;
    let completions = [Shell::Bash, Shell::Zsh, Shell::Fish]
        .into_iter()
        .map(|shell| clap_complete::generate_to(shell, &mut command, &name, &completion_dir));
    std::iter::once(Ok(man_page)).chain(completions).collect()
}
