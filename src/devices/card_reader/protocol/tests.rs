//! Golden frames from the reference, the streaming decoder, and property tests.

use super::*;
use proptest::prelude::*;

fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

#[test]
fn command_frames_match_the_reference() {
    let golden = [
        (Command::ResetSam, "AA AA AA 96 69 00 03 10 FF EC"),
        (Command::SamStatus, "AA AA AA 96 69 00 03 11 FF ED"),
        (Command::SamId, "AA AA AA 96 69 00 03 12 FF EE"),
        (Command::FindCard, "AA AA AA 96 69 00 03 20 01 22"),
        (Command::SelectCard, "AA AA AA 96 69 00 03 20 02 21"),
        (Command::ReadText, "AA AA AA 96 69 00 03 30 01 32"),
        (Command::ReadAppendedAddress, "AA AA AA 96 69 00 03 30 03 30"),
        (Command::ReadWithFingerprint, "AA AA AA 96 69 00 03 30 10 23"),
        (Command::SetMaxRfBytes(0x50), "AA AA AA 96 69 00 04 61 FF 50 CA"),
    ];
    for (command, frame) in golden {
        assert_eq!(command.encode(), hex(frame), "{command:?}");
        let mut decoder = Decoder::new();
        decoder.push(&hex(frame));
        let body = decoder.next_frame().unwrap().unwrap().body;
        assert_eq!(Command::from_body(&body), Some(command));
    }
}

#[test]
fn response_frames_match_the_reference() {
    let golden = [
        (0x90, vec![], "AA AA AA 96 69 00 04 00 00 90 94"),
        (0x9F, vec![0, 0, 0, 0], "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"),
        (0x80, vec![], "AA AA AA 96 69 00 04 00 00 80 84"),
        (
            0x90,
            vec![0; 8],
            "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C",
        ),
        (0x81, vec![], "AA AA AA 96 69 00 04 00 00 81 85"),
        (0x41, vec![], "AA AA AA 96 69 00 04 00 00 41 45"),
        (0x32, vec![], "AA AA AA 96 69 00 04 00 00 32 36"),
        (0x91, vec![], "AA AA AA 96 69 00 04 00 00 91 95"),
        (0x10, vec![], "AA AA AA 96 69 00 04 00 00 10 14"),
    ];
    for (sw3, data, frame) in golden {
        assert_eq!(encode_response(sw3, &data), hex(frame));
        let mut decoder = Decoder::new();
        decoder.push(&hex(frame));
        let response = decoder.next_frame().unwrap().unwrap().into_response().unwrap();
        assert_eq!((response.status.byte(), response.data), (sw3, data));
    }
}

#[test]
fn read_responses_have_the_reference_sizes_and_headers() {
    let text = vec![0x20; 256];
    let photo = vec![0x11; 1024];
    for (fingerprint, total, header) in [
        (None, 1295, "AA AA AA 96 69 05 08 00 00 90 01 00 04 00"),
        (
            Some(vec![0x22; 1024]),
            2321,
            "AA AA AA 96 69 09 0A 00 00 90 01 00 04 00 04 00",
        ),
        (
            Some(vec![0x22; 512]),
            1809,
            "AA AA AA 96 69 07 0A 00 00 90 01 00 04 00 02 00",
        ),
        (Some(vec![]), 1297, "AA AA AA 96 69 05 0A 00 00 90 01 00 04 00 00 00"),
    ] {
        let blocks = CardBlocks {
            text: text.clone(),
            photo: photo.clone(),
            fingerprint: fingerprint.clone(),
        };
        let frame = encode_response(0x90, &encode_card_blocks(&blocks));
        assert_eq!(frame.len(), total);
        assert!(frame.starts_with(&hex(header)));
        let mut decoder = Decoder::new();
        decoder.push(&frame);
        let response = decoder.next_frame().unwrap().unwrap().into_response().unwrap();
        assert_eq!(
            parse_card_blocks(&response.data, fingerprint.is_some()).unwrap(),
            blocks
        );
    }
    // An appended address response is 81 bytes.
    assert_eq!(encode_response(0x90, &[0x20; 70]).len(), 81);
}

#[test]
fn payload_lengths_are_checked() {
    assert_eq!(
        parse_card_blocks(&[1, 0], false),
        Err(PayloadError::Short { needed: 4, actual: 2 })
    );
    let mut data = encode_card_blocks(&CardBlocks {
        text: vec![0; 256],
        photo: vec![0; 1024],
        fingerprint: None,
    });
    data.pop();
    assert_eq!(
        parse_card_blocks(&data, false),
        Err(PayloadError::LengthMismatch {
            announced: 1284,
            actual: 1283
        })
    );
    let data = encode_card_blocks(&CardBlocks {
        text: vec![0; 100],
        photo: vec![],
        fingerprint: None,
    });
    assert_eq!(parse_card_blocks(&data, false), Err(PayloadError::TextSize(100)));
}

#[test]
fn decoder_reassembles_chunks_and_skips_garbage() {
    let frame = encode_response(0x90, &[1, 2, 3, 4, 5]);
    let mut stream = vec![0x00, 0xAA, 0x13, 0xAA, 0xAA];
    stream.extend(&frame);
    stream.extend([0x55, 0xAA]);
    stream.extend(&frame);
    let mut decoder = Decoder::new();
    let mut frames = Vec::new();
    for byte in stream {
        decoder.push(&[byte]);
        while let Some(result) = decoder.next_frame() {
            frames.push(result.unwrap());
        }
    }
    assert_eq!(frames.len(), 2);
    assert_eq!(decoder.skipped(), 7);
    assert_eq!(decoder.buffered(), 0);
}

#[test]
fn decoder_reports_bad_checksums_and_lengths_then_recovers() {
    let mut bad = encode_response(0x90, &[9, 9]);
    let last = bad.len() - 1;
    bad[last] ^= 0xFF;
    let good = encode_response(0x9F, &[0; 4]);
    let mut decoder = Decoder::new();
    decoder.push(&bad);
    decoder.push(&[0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x20, 0x00]);
    decoder.push(&good);
    assert!(matches!(
        decoder.next_frame(),
        Some(Err(FrameError::BadChecksum { .. }))
    ));
    assert_eq!(decoder.next_frame(), Some(Err(FrameError::LengthOutOfRange(0x2000))));
    let frame = decoder.next_frame().unwrap().unwrap();
    assert_eq!(frame.into_response().unwrap().status, Status::FindOk);
    assert_eq!(decoder.next_frame(), None);
}

#[test]
fn every_status_code_has_messages() {
    for byte in 0..=255u8 {
        let status = Status::from_byte(byte);
        assert_eq!(status.byte(), byte);
        assert!(!status.message_zh().is_empty() && !status.message_en().is_empty());
        assert!(status.citizen_message().key().starts_with("reader.error."));
    }
    assert_eq!(
        Status::from_byte(0x66).to_string(),
        "SW3 0x66 SAM not authorised (no production keys loaded) (SAM没经过授权,无法使用)"
    );
}

#[test]
fn sam_id_format() {
    let mut raw = [0u8; 16];
    raw[0..2].copy_from_slice(&5u16.to_le_bytes());
    raw[2..4].copy_from_slice(&1u16.to_le_bytes());
    raw[4..8].copy_from_slice(&20200101u32.to_le_bytes());
    raw[8..12].copy_from_slice(&123u32.to_le_bytes());
    raw[12..16].copy_from_slice(&456789u32.to_le_bytes());
    assert_eq!(
        SamId::parse(&raw).unwrap().to_string(),
        "05.01-20200101-0000000123-0000456789"
    );
    assert!(SamId::parse(&raw[..15]).is_err());
}

#[test]
fn ucs2_fields() {
    let field = encode_ucs2("张三", 30);
    assert_eq!(field.len(), 30);
    assert_eq!(&field[..4], &[0x20, 0x5F, 0x09, 0x4E]);
    assert_eq!(decode_ucs2(&field), "张三");
    assert_eq!(decode_ucs2(&encode_ucs2("长期", 16)), "长期");
}

proptest! {
    #[test]
    fn decode_of_encode_is_identity(body in proptest::collection::vec(any::<u8>(), 2..3000), split in proptest::collection::vec(1usize..400, 1..20)) {
        let frame = encode_frame(&body);
        let mut decoder = Decoder::new();
        let mut frames = Vec::new();
        let mut at = 0;
        for size in split.iter().cycle() {
            if at >= frame.len() { break; }
            let end = (at + size).min(frame.len());
            decoder.push(&frame[at..end]);
            at = end;
            while let Some(result) = decoder.next_frame() {
                frames.push(result);
            }
        }
        prop_assert_eq!(frames, vec![Ok(Frame { body })]);
    }

    #[test]
    fn byte_soup_never_panics_and_never_yields_a_bad_frame(soup in proptest::collection::vec(prop_oneof![Just(0xAAu8), Just(0x96), Just(0x69), Just(0x00), any::<u8>()], 0..4000)) {
        let mut decoder = Decoder::new();
        decoder.push(&soup);
        let mut guard = 0;
        while let Some(result) = decoder.next_frame() {
            if let Ok(frame) = result {
                // Re-encoding gives a frame whose checksum verifies.
                let encoded = encode_frame(&frame.body);
                prop_assert_eq!(checksum(&encoded[5..encoded.len() - 1]), encoded[encoded.len() - 1]);
                prop_assert!(frame.body.len() < MAX_LENGTH);
            }
            guard += 1;
            prop_assert!(guard <= soup.len() + 1);
        }
    }
}

#[test]
fn the_decoder_tells_how_much_of_a_frame_is_still_to_come() {
    let frame = encode_response(0x90, &[7u8; 200]);
    let mut decoder = Decoder::new();
    decoder.push(&frame[..4]);
    assert_eq!(decoder.missing(), None, "no length yet");
    decoder.push(&frame[4..50]);
    assert_eq!(decoder.missing(), Some(frame.len() - 50));
    decoder.push(&frame[50..]);
    assert_eq!(decoder.missing(), Some(0));
    assert!(decoder.next_frame().is_some_and(|f| f.is_ok()));
    assert_eq!(decoder.missing(), None, "nothing under way");
}
