//! `kiosk id check NUMBER`: what a technician or window clerk needs to know about a number
//! (kind, masked form, birth year, sex, region) without ever printing it in full: the
//! birth date shows as `YYYY-**-**`, as the masking rule requires next to a masked number.
//! An enterprise's unified social credit code (GB 32100-2015) is accepted too, as kind
//! `enterprise`; it is public and printed whole.

use super::exit;
use crate::domain::credit_code::CreditCode;
use crate::domain::id_number::{IdNumber, Sex};
use crate::domain::masking::mask_birth_date;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum IdCommand {
    /// Check an ID number: exit 0 if valid, 1 with the reason if not.
    Check {
        number: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: &IdCommand) -> i32 {
    let IdCommand::Check { number, json } = command;
    match IdNumber::parse(number) {
        Ok(id) => {
            let sex = match id.sex() {
                Some(Sex::Male) => "male",
                Some(Sex::Female) => "female",
                None => "not encoded",
            };
            if *json {
                super::print_json(&serde_json::json!({
                    "valid": true,
                    "kind": id.kind().code(),
                    "masked": id.masked(),
                    "birth_date": mask_birth_date(id.birth_date()),
                    "sex": id.sex(),
                    "region": id.region_code(),
                }));
            } else {
                println!("valid:      yes");
                println!(
                    "kind:       {} ({} / {})",
                    id.kind().code(),
                    id.kind().name_zh(),
                    id.kind().name_en()
                );
                println!("number:     {}", id.masked());
                println!("birth date: {}", mask_birth_date(id.birth_date()));
                println!("sex:        {sex}");
                println!("region:     {}", id.region_code());
            }
            exit::OK
        }
        Err(e) => {
            if let Ok(code) = CreditCode::parse(number) {
                // The division must exist, where the kiosk's division table says so.
                let known = crate::ime::divisions::DivisionTable::load_default()
                    .map(|table| table.get(code.region_code()).is_some())
                    .unwrap_or(true);
                if known {
                    return enterprise(&code, *json);
                }
            }
            if *json {
                super::print_json(
                    &serde_json::json!({ "valid": false, "reason": e.to_string(), "key": e.message().key() }),
                );
            } else {
                println!("valid:  no");
                println!("reason: {e}");
            }
            exit::INVALID
        }
    }
}

fn enterprise(code: &CreditCode, json: bool) -> i32 {
    if json {
        super::print_json(&serde_json::json!({
            "valid": true,
            "kind": "enterprise",
            "code": code.as_str(),
            "authority": code.authority().to_string(),
            "region": code.region_code(),
        }));
    } else {
        println!("valid:      yes");
        println!("kind:       enterprise (统一社会信用代码 / unified social credit code)");
        println!("code:       {code}");
        println!("authority:  {}", code.authority());
        println!("region:     {}", code.region_code());
    }
    exit::OK
}
