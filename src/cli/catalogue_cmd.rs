//! `kiosk catalogue list|show CODE [--json]`: the 事项清单 and each 办事指南.

use super::{exit, Cli};
use crate::domain::catalogue::{Catalogue, Flag, ServiceItem};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum CatalogueCommand {
    /// List every service by category, with figures computed from the data.
    List {
        #[arg(long)]
        json: bool,
    },
    /// The service guide of one item.
    Show {
        code: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &CatalogueCommand) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let catalogue = match crate::app::load_catalogue(&loaded.config) {
        Ok(catalogue) => catalogue,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::CONFIG;
        }
    };
    match command {
        CatalogueCommand::List { json: true } => {
            super::print_json(
                &serde_json::json!({ "version": catalogue.version, "stats": catalogue.stats(), "categories": catalogue.categories, "items": catalogue.items }),
            );
            exit::OK
        }
        CatalogueCommand::List { json: false } => {
            print_list(&catalogue);
            exit::OK
        }
        CatalogueCommand::Show { code, json } => match catalogue.item(&code.to_uppercase()) {
            Some(item) if *json => {
                let materials: Vec<_> = item.materials().map(|(c, mandatory)| {
                    serde_json::json!({ "code": c, "mandatory": mandatory, "name": catalogue.material(c).map(|m| &m.name) })
                }).collect();
                let fields: Vec<_> = item
                    .fields
                    .iter()
                    .map(|c| serde_json::json!({ "code": c, "spec": catalogue.field(c) }))
                    .collect();
                super::print_json(&serde_json::json!({ "item": item, "materials": materials, "fields": fields }));
                exit::OK
            }
            Some(item) => {
                print_guide(&catalogue, item);
                exit::OK
            }
            None => {
                eprintln!("kiosk: no service with code {code:?} (see `kiosk catalogue list`)");
                exit::NOT_FOUND
            }
        },
    }
}

fn badges(item: &ServiceItem) -> String {
    let mut out = Vec::new();
    if item.has(Flag::AtMostOnce) {
        out.push("最多跑一次");
    }
    if item.has(Flag::Immediate) {
        out.push("即来即办");
    }
    if item.has(Flag::ZeroTrip) {
        out.push("网上办");
    }
    if item.has(Flag::ExpressDelivery) {
        out.push("免费快递");
    }
    out.join(" · ")
}

fn yuan(fen: u32) -> String {
    if fen == 0 {
        "免费 free".into()
    } else {
        format!("￥{}.{:02}", fen / 100, fen % 100)
    }
}

fn days(n: u32) -> String {
    if n == 0 {
        "当场 on the spot".into()
    } else {
        format!("{n} 个工作日 working days")
    }
}

fn print_list(catalogue: &Catalogue) {
    let stats = catalogue.stats();
    println!(
        "事项清单 catalogue {} — {} services in {} categories",
        catalogue.version, stats.items, stats.categories
    );
    println!(
        "{} of {} at most one trip · {} immediate · {} online only · {} with free delivery · time limits cut by {}% on average",
        stats.at_most_once, stats.items, stats.immediate, stats.zero_trip, stats.express_delivery, stats.average_time_cut_percent
    );
    for category in &catalogue.categories {
        println!("\n{} {}", category.name.zh, category.name.en);
        for item in catalogue.items_in(&category.code) {
            println!("  {:<7} {}  {}", item.code, item.name.zh, item.name.en);
            let b = badges(item);
            if !b.is_empty() {
                println!("          {b}");
            }
        }
    }
}

fn print_guide(catalogue: &Catalogue, item: &ServiceItem) {
    println!("办事指南 Service guide: {} {}", item.code, item.name.zh);
    println!("{}", item.name.en);
    if let Some(summary) = &item.summary {
        println!("{} / {}", summary.zh, summary.en);
    }
    let b = badges(item);
    if !b.is_empty() {
        println!("{b}");
    }
    let name = |code: &String| {
        catalogue
            .material(code)
            .map(|m| format!("{} ({})", m.name.zh, m.name.en))
            .unwrap_or_else(|| code.clone())
    };
    println!("\n必备材料 Required materials:");
    for code in &item.mandatory {
        println!("  • {}", name(code));
    }
    if !item.secondary.is_empty() {
        println!(
            "可容缺材料 May be supplied later (容缺受理, within {} working days):",
            catalogue.supplement_days
        );
        for code in &item.secondary {
            println!("  ◦ {}", name(code));
        }
    }
    println!("\n收费 Fee:              {}", yuan(item.fee_fen));
    println!("承诺时限 Promised:      {}", days(item.promised_days));
    println!("法定时限 Statutory:     {}", days(item.statutory_days));
    if let Some(urgent) = item.urgent_days {
        println!("加急 Urgent channel:    {}", days(urgent));
    }
    let yes_no = |b: bool| if b { "是 yes" } else { "否 no" };
    println!("快递送达 Express delivery: {}", yes_no(item.has(Flag::ExpressDelivery)));
    println!(
        "需要预约 Appointment:     {}",
        yes_no(item.has(Flag::AppointmentRequired))
    );
    println!("可委托代办 Proxy allowed:  {}", yes_no(item.has(Flag::ProxyAllowed)));
    println!(
        "须刷身份证 Card required:  {}",
        if item.has(Flag::CardRequired) {
            "是 yes (a typed number is refused)"
        } else {
            "否 no (the number may be typed)"
        }
    );
}
