//! The photo seam. The card photo is 1024 bytes of proprietary WLT; decoding needs the
//! reader vendor's licensed library (e.g. libwlt2bmp.so), loaded at run time by path. Without
//! one the kiosk works on text alone and diagnostics say so. The common Linux SDK entry point
//! is `int unpack(char *wlt, char *bmp_out, int save_file)`, returning 1 on success and
//! writing a 102×126 24-bit BMP (38 862 bytes).

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::Path;

pub const BMP_SIZE: usize = 38_862;

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("cannot load photo decoder {path}: {reason}")]
    Load { path: String, reason: String },
    #[error("photo decoder {path} has no `unpack` function: {reason}")]
    Symbol { path: String, reason: String },
    #[error("photo decoder returned {0} (not 1 = success)")]
    Failed(i32),
    #[error("WLT photo must be 1024 bytes, got {0}")]
    Size(usize),
}

/// Turns the card's WLT bytes into a bitmap.
pub trait PhotoDecoder: Send + Sync {
    fn describe(&self) -> String;
    /// A BMP file (54-byte header + bottom-up BGR rows).
    fn decode(&self, wlt: &[u8]) -> Result<Vec<u8>, PhotoError>;
}

type UnpackFn = unsafe extern "C" fn(*mut c_char, *mut c_char, c_int) -> c_int;

/// A vendor decoder library loaded with `dlopen`.
pub struct VendorLibraryDecoder {
    path: String,
    handle: *mut c_void,
    unpack: UnpackFn,
}

// SAFETY: the handle is only used to keep the library loaded; calls are serialised below.
unsafe impl Send for VendorLibraryDecoder {}
unsafe impl Sync for VendorLibraryDecoder {}

static DECODE_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn dl_error() -> String {
    // SAFETY: dlerror returns a thread-local C string or null.
    let message = unsafe { libc::dlerror() };
    if message.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: non-null, NUL-terminated, valid until the next dl* call on this thread.
        unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned()
    }
}

impl VendorLibraryDecoder {
    pub fn load(path: &Path) -> Result<VendorLibraryDecoder, PhotoError> {
        let shown = path.display().to_string();
        let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| PhotoError::Load {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        // SAFETY: a valid C string; the library's initialisers run (vendor code, trusted by
        // configuration, like any driver).
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(PhotoError::Load {
                path: shown,
                reason: dl_error(),
            });
        }
        // SAFETY: valid handle and symbol name.
        let symbol = unsafe { libc::dlsym(handle, c"unpack".as_ptr()) };
        if symbol.is_null() {
            let reason = dl_error();
            // SAFETY: handle from dlopen.
            unsafe { libc::dlclose(handle) };
            return Err(PhotoError::Symbol { path: shown, reason });
        }
        // SAFETY: the vendor ABI documents this signature for `unpack`.
        let unpack = unsafe { std::mem::transmute::<*mut c_void, UnpackFn>(symbol) };
        Ok(VendorLibraryDecoder {
            path: shown,
            handle,
            unpack,
        })
    }
}

impl Drop for VendorLibraryDecoder {
    fn drop(&mut self) {
        // SAFETY: handle from dlopen, closed once.
        unsafe { libc::dlclose(self.handle) };
    }
}

impl PhotoDecoder for VendorLibraryDecoder {
    fn describe(&self) -> String {
        format!("vendor library {}", self.path)
    }

    fn decode(&self, wlt: &[u8]) -> Result<Vec<u8>, PhotoError> {
        if wlt.len() != 1024 {
            return Err(PhotoError::Size(wlt.len()));
        }
        let mut input = wlt.to_vec();
        // Vendor decoders are not documented as thread-safe; room for overruns is given.
        let mut output = vec![0u8; BMP_SIZE + 1024];
        let _guard = DECODE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: both buffers are valid and larger than the documented sizes.
        let rc = unsafe { (self.unpack)(input.as_mut_ptr().cast(), output.as_mut_ptr().cast(), 0) };
        if rc != 1 {
            return Err(PhotoError::Failed(rc));
        }
        output.truncate(BMP_SIZE);
        Ok(output)
    }
}

/// The decoder named in the configuration, or `None` (text only) with the reason.
pub fn load_configured(path: Option<&Path>) -> (Option<Box<dyn PhotoDecoder>>, String) {
    match path {
        None => (
            None,
            "no vendor photo decoder configured: cards are read as text only".into(),
        ),
        Some(path) => match VendorLibraryDecoder::load(path) {
            Ok(decoder) => {
                let shown = decoder.describe();
                (Some(Box::new(decoder)), shown)
            }
            Err(e) => (None, format!("{e}: cards are read as text only")),
        },
    }
}
