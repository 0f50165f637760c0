//! Presenter of the catalogue page (事项清单).

use super::intents;
use crate::app::intent::{Intent, JourneyIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::catalogue::catalogue;
use crate::ui::convert::{int, model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    let journey = Intent::Journey;
    intents!(shell, CatalogueAdapter {
        on_choose_category(code) => journey(JourneyIntent::ChooseCategory(code.to_string()));
        on_choose_item(code) => journey(JourneyIntent::ChooseItem(code.to_string()));
        back_and_cancel;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = catalogue(app);
    let a = w.global::<CatalogueAdapter>();
    a.set_current_category(s(&view.current));
    let tiles: Vec<CategoryVm> = view
        .categories
        .iter()
        .map(|c| CategoryVm {
            code: s(&c.code),
            name: s(&c.name),
            count: int(c.count),
        })
        .collect();
    a.set_category_rows(model(
        tiles
            .chunks(2)
            .map(|pair| CategoryRowVm {
                left: pair[0].clone(),
                right: pair.get(1).cloned().unwrap_or_default(),
                has_right: pair.len() == 2,
            })
            .collect(),
    ));
    a.set_categories(model(tiles));
    a.set_items(model(
        view.items
            .iter()
            .map(|i| ItemVm {
                code: s(&i.code),
                name: s(&i.name),
                at_most_once: i.at_most_once,
                immediate: i.immediate,
                online_only: i.online_only,
                express: i.express,
            })
            .collect(),
    ));
}
