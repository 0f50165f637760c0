//! `kiosk generate DIR` (hidden): the man page and the shell completions (bash, zsh, fish)
//! from the clap definitions, for the Debian package. `township-central` writes its own
//! with [`write_assets`].

use clap::{Args, Command};
use clap_complete::Shell;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Output directory: man/NAME.1 and completions/ are written below it.
    pub dir: PathBuf,
}

/// Writes `DIR/man/NAME.1` and `DIR/completions/{NAME.bash,_NAME,NAME.fish}` for `command`.
pub fn write_assets(mut command: Command, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let name = command.get_name().to_string();
    command.build();
    let man_dir = dir.join("man");
    let completions = dir.join("completions");
    std::fs::create_dir_all(&man_dir)?;
    std::fs::create_dir_all(&completions)?;
    let man_path = man_dir.join(format!("{name}.1"));
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    std::fs::write(&man_path, page)?;
    let mut written = vec![man_path];
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        written.push(clap_complete::generate_to(shell, &mut command, &name, &completions)?);
    }
    Ok(written)
}

pub fn run(args: &GenerateArgs) -> i32 {
    use clap::CommandFactory;
    match write_assets(super::Cli::command(), &args.dir) {
        Ok(paths) => {
            for path in paths {
                println!("{}", path.display());
            }
            super::exit::OK
        }
        Err(e) => {
            eprintln!("kiosk generate: {}: {e}", args.dir.display());
            super::exit::STORAGE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_a_man_page_and_three_completions() {
        use clap::CommandFactory;
        let dir = tempfile::tempdir().unwrap();
        let paths = super::write_assets(crate::cli::Cli::command(), dir.path()).unwrap();
        assert_eq!(paths.len(), 4);
        let page = std::fs::read_to_string(dir.path().join("man/kiosk.1")).unwrap();
        assert!(page.contains(".TH kiosk 1") && page.contains("doctor"), "{page}");
        assert!(dir.path().join("completions/kiosk.bash").is_file());
    }
}
