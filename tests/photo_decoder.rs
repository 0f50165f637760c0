//! The vendor photo decoder seam: a shared library with the vendor ABI (`unpack`) is built
//! here from a few lines of C and loaded by path, exactly as a licensed libwlt2bmp would be.

use std::path::{Path, PathBuf};
use std::process::Command;
use township_kiosk::devices::card_reader::fixtures::fake_wlt;
use township_kiosk::devices::card_reader::photo::{
    load_configured, PhotoDecoder, PhotoError, VendorLibraryDecoder, BMP_SIZE,
};

const FAKE_VENDOR_LIBRARY: &str = r#"
#include <string.h>
/* Stand-in with the vendor ABI: writes a BMP header and fills pixels from the input. */
int unpack(char *wlt, char *bmp, int save) {
    (void)save;
    if (wlt[0] != 'W' || wlt[1] != 'L') return -2;
    memset(bmp, 0, 38862);
    bmp[0] = 'B'; bmp[1] = 'M';
    for (int i = 54; i < 38862; i++) bmp[i] = wlt[i % 1024];
    return 1;
}
"#;

fn build_library(dir: &Path) -> PathBuf {
    let source = dir.join("fakewlt.c");
    std::fs::write(&source, FAKE_VENDOR_LIBRARY).unwrap();
    let library = dir.join("libfakewlt.so");
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&library)
        .arg(&source)
        .status()
        .expect("a C compiler (cc) is needed for this test");
    assert!(status.success());
    library
}

#[test]
fn a_vendor_library_is_loaded_and_called() {
    let dir = tempfile::tempdir().unwrap();
    let decoder = VendorLibraryDecoder::load(&build_library(dir.path())).unwrap();
    let bmp = decoder.decode(&fake_wlt(1)).unwrap();
    assert_eq!(bmp.len(), BMP_SIZE);
    assert_eq!(&bmp[..2], b"BM");
    let mut bad = fake_wlt(1);
    bad[0] = b'X';
    assert!(matches!(decoder.decode(&bad), Err(PhotoError::Failed(-2))));
    assert!(matches!(decoder.decode(&[0; 10]), Err(PhotoError::Size(10))));
    let (loaded, description) = load_configured(Some(&dir.path().join("libfakewlt.so")));
    assert!(
        loaded.is_some() && description.contains("libfakewlt.so"),
        "{description}"
    );
}

#[test]
fn missing_libraries_and_symbols_mean_text_only_with_the_reason() {
    let error = VendorLibraryDecoder::load(Path::new("/opt/vendor/libwlt2bmp.so"))
        .err()
        .unwrap();
    assert!(matches!(error, PhotoError::Load { .. }), "{error}");
    let error = VendorLibraryDecoder::load(Path::new("libm.so.6")).err().unwrap();
    assert!(matches!(error, PhotoError::Symbol { .. }), "{error}");
    let (loaded, description) = load_configured(None);
    assert!(loaded.is_none() && description.contains("text only"));
    let (loaded, description) = load_configured(Some(Path::new("/opt/vendor/libwlt2bmp.so")));
    assert!(
        loaded.is_none() && description.contains("/opt/vendor/libwlt2bmp.so") && description.contains("text only"),
        "{description}"
    );
}
