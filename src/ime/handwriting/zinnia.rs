//! The zinnia recogniser (Taku Kudo's SVM-based online handwriting engine, `libzinnia0`)
//! with the Tegaki simplified-Chinese model (`tegaki-zinnia-simplified-chinese`): both
//! from the Debian archive for amd64 and arm64, LGPL-2.1+, the model built from the Tegaki
//! project's own handwriting samples. The C API is small; this module is its only `unsafe`
//! code: every pointer it holds is owned here and freed on drop, and calls into one
//! recogniser are serialised by a mutex.

use super::{HandwritingCandidate, HandwritingEngine, HandwritingError, Ink};
use std::ffi::{c_char, c_float, c_int, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Where Debian's package installs the model.
pub const DEFAULT_MODEL: &str = "/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model";

#[repr(C)]
struct Recognizer {
    _private: [u8; 0],
}
#[repr(C)]
struct Character {
    _private: [u8; 0],
}
#[repr(C)]
struct ZResult {
    _private: [u8; 0],
}

#[link(name = "zinnia")]
extern "C" {
    fn zinnia_version() -> *const c_char;
    fn zinnia_recognizer_new() -> *mut Recognizer;
    fn zinnia_recognizer_destroy(recognizer: *mut Recognizer);
    fn zinnia_recognizer_open(recognizer: *mut Recognizer, filename: *const c_char) -> c_int;
    fn zinnia_recognizer_strerror(recognizer: *mut Recognizer) -> *const c_char;
    fn zinnia_recognizer_size(recognizer: *mut Recognizer) -> usize;
    fn zinnia_recognizer_classify(
        recognizer: *mut Recognizer,
        character: *const Character,
        nbest: usize,
    ) -> *mut ZResult;
    fn zinnia_character_new() -> *mut Character;
    fn zinnia_character_destroy(character: *mut Character);
    fn zinnia_character_set_width(character: *mut Character, width: usize);
    fn zinnia_character_set_height(character: *mut Character, height: usize);
    fn zinnia_character_add(character: *mut Character, id: usize, x: c_int, y: c_int) -> c_int;
    fn zinnia_result_value(result: *mut ZResult, i: usize) -> *const c_char;
    fn zinnia_result_score(result: *mut ZResult, i: usize) -> c_float;
    fn zinnia_result_size(result: *mut ZResult) -> usize;
    fn zinnia_result_destroy(result: *mut ZResult);
}

/// An owned recogniser pointer.
struct Handle(*mut Recognizer);

// SAFETY: the recogniser is only reached through `Zinnia`'s mutex, one call at a time; zinnia
// keeps no thread-local state.
unsafe impl Send for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: made by zinnia_recognizer_new, destroyed once.
        unsafe { zinnia_recognizer_destroy(self.0) }
    }
}

/// A zinnia recogniser with its model open.
pub struct Zinnia {
    handle: Mutex<Handle>,
    model: PathBuf,
    classes: usize,
}

impl Zinnia {
    /// Opens `model` (a `.model` file of zinnia's binary format).
    pub fn open(model: &Path) -> Result<Zinnia, HandwritingError> {
        let failed = |reason: String| HandwritingError::Model {
            path: model.display().to_string(),
            reason,
        };
        let c_path =
            CString::new(model.as_os_str().as_encoded_bytes()).map_err(|_| failed("a NUL in the path".into()))?;
        // SAFETY: a fresh recogniser, owned by `handle` from here on (freed on every path).
        let handle = Handle(unsafe { zinnia_recognizer_new() });
        if handle.0.is_null() {
            return Err(failed("out of memory".into()));
        }
        // SAFETY: valid recogniser and NUL-terminated path.
        if unsafe { zinnia_recognizer_open(handle.0, c_path.as_ptr()) } == 0 {
            // SAFETY: strerror returns a string owned by the recogniser, copied here.
            let reason = unsafe { text(zinnia_recognizer_strerror(handle.0)) };
            return Err(failed(reason));
        }
        // SAFETY: an open recogniser.
        let classes = unsafe { zinnia_recognizer_size(handle.0) };
        Ok(Zinnia {
            handle: Mutex::new(handle),
            model: model.to_path_buf(),
            classes,
        })
    }

    /// The characters the model knows.
    pub fn classes(&self) -> usize {
        self.classes
    }
}

/// Copies a C string owned by zinnia (empty for null).
///
/// # Safety
/// `ptr` is null or a valid NUL-terminated string.
unsafe fn text(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: as the caller promised.
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
}

/// An owned character (ink) pointer.
struct CharacterGuard(*mut Character);

impl Drop for CharacterGuard {
    fn drop(&mut self) {
        // SAFETY: made by zinnia_character_new, destroyed once.
        unsafe { zinnia_character_destroy(self.0) }
    }
}

impl HandwritingEngine for Zinnia {
    fn recognize(&self, ink: &Ink, top: usize) -> Result<Vec<HandwritingCandidate>, HandwritingError> {
        if ink.is_empty() || top == 0 {
            return Ok(Vec::new());
        }
        // SAFETY: a fresh character, owned by the guard.
        let character = CharacterGuard(unsafe { zinnia_character_new() });
        if character.0.is_null() {
            return Err(HandwritingError::Engine("out of memory".into()));
        }
        // SAFETY: a valid character; plain values.
        unsafe {
            zinnia_character_set_width(character.0, ink.width as usize);
            zinnia_character_set_height(character.0, ink.height as usize);
        }
        for (id, stroke) in ink.strokes.iter().enumerate() {
            for [x, y] in stroke {
                // SAFETY: a valid character; plain values.
                if unsafe { zinnia_character_add(character.0, id, *x, *y) } == 0 {
                    return Err(HandwritingError::Engine(format!("stroke {id} refused")));
                }
            }
        }
        let handle = self.handle.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: an open recogniser (locked) and a valid character.
        let result = unsafe { zinnia_recognizer_classify(handle.0, character.0, top) };
        if result.is_null() {
            // SAFETY: as in `open`.
            let reason = unsafe { text(zinnia_recognizer_strerror(handle.0)) };
            return Err(HandwritingError::Engine(reason));
        }
        // SAFETY: a valid result: read its entries, then free it once.
        let candidates = unsafe {
            let size = zinnia_result_size(result);
            let out = (0..size)
                .map(|i| HandwritingCandidate {
                    text: text(zinnia_result_value(result, i)),
                    score: zinnia_result_score(result, i),
                })
                .filter(|c| !c.text.is_empty())
                .collect();
            zinnia_result_destroy(result);
            out
        };
        Ok(candidates)
    }

    fn describe(&self) -> String {
        // SAFETY: a static string of the library's.
        let version = unsafe { text(zinnia_version()) };
        format!(
            "zinnia {version}, {} ({} characters)",
            self.model.display(),
            self.classes
        )
    }
}

static SHARED: OnceLock<Result<Zinnia, String>> = OnceLock::new();

/// The kiosk's recogniser with the installed model, opened once (the first call takes the
/// model's load time; [`warm_up`] does it off the UI thread).
pub fn shared() -> Result<&'static Zinnia, &'static str> {
    SHARED
        .get_or_init(|| Zinnia::open(Path::new(DEFAULT_MODEL)).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(String::as_str)
}

/// Opens the shared recogniser on a thread of its own (when a page that may need it opens).
pub fn warm_up() {
    if SHARED.get().is_none() {
        let _ = std::thread::Builder::new().name("handwriting-load".into()).spawn(|| {
            if let Err(e) = shared() {
                log::warn!("handwriting: {e}");
            }
        });
    }
}
