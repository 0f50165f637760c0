//! Fuzz target: arbitrary bytes, fed in arbitrary chunks, through the SAM frame decoder,
//! the response payload parser and the card text parser. Nothing may panic, and every
//! frame that comes out must carry a valid checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use township_kiosk::devices::card_reader::card_data::CardText;
use township_kiosk::devices::card_reader::protocol::{checksum, encode_frame, parse_card_blocks, Decoder, SamId};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else { return };
    let chunk = usize::from(chunk % 64) + 1;
    let mut decoder = Decoder::new();
    for piece in rest.chunks(chunk) {
        decoder.push(piece);
        while let Some(result) = decoder.next_frame() {
            let Ok(frame) = result else { continue };
            let encoded = encode_frame(&frame.body);
            assert_eq!(checksum(&encoded[5..encoded.len() - 1]), encoded[encoded.len() - 1]);
            if let Some(response) = frame.into_response() {
                for with_fingerprint in [false, true] {
                    if let Ok(blocks) = parse_card_blocks(&response.data, with_fingerprint) {
                        let _ = CardText::parse(&blocks.text);
                    }
                }
                let _ = SamId::parse(&response.data).map(|id| id.to_string());
            }
        }
    }
    // The card parser alone, on any 256 bytes.
    if rest.len() >= 256 {
        let _ = CardText::parse(&rest[..256]);
    }
});
