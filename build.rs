//! Build script: compiles the Slint UI (with bundled zh_CN translations and the debug info
//! the UI tests need to find elements) and records the git revision for `kiosk --version`.

use std::process::Command;

fn main() {
    #[cfg(feature = "ui")]
    {
        let config = slint_build::CompilerConfiguration::new()
            .with_bundled_translations("ui/lang")
            .with_default_translation_context(slint_build::DefaultTranslationContext::None)
            .with_debug_info(true);
        slint_build::compile_with_config("ui/app.slint", config).expect("compiling the Slint UI");
    }

    let revision = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty())
        .map(|_| "-dirty")
        .unwrap_or("");
    println!("cargo:rustc-env=KIOSK_GIT_REVISION={revision}{dirty}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/index");
}
