//! The kiosk board's screen setup that lives outside the app: the touchscreen's libinput
//! calibration matrix (from `[ui] touch-calibration`, else from `[ui] rotation`) as a udev
//! rule. `SLINT_KMS_ROTATION` turns the picture only; the touch coordinates turn here.

use crate::config::UiSection;

/// Where `kiosk board touch-rule --apply` writes the rule (udev's runtime rules directory:
/// rewritten at every start of the kiosk, gone after a reboot until then).
pub const TOUCH_RULE_PATH: &str = "/run/udev/rules.d/90-township-kiosk-touch.rules";

/// The configured matrix, else the one for the rotation (clockwise, as libinput documents).
pub fn touch_matrix(ui: &UiSection) -> [f32; 6] {
    if let Some(matrix) = ui.touch_calibration {
        return matrix;
    }
    match ui.rotation {
        90 => [0.0, -1.0, 1.0, 1.0, 0.0, 0.0],
        180 => [-1.0, 0.0, 1.0, 0.0, -1.0, 1.0],
        270 => [0.0, 1.0, 0.0, -1.0, 0.0, 1.0],
        _ => [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    }
}

/// The udev rule giving every touchscreen the matrix.
pub fn touch_rule(ui: &UiSection) -> String {
    let matrix: Vec<String> = touch_matrix(ui).iter().map(|v| v.to_string()).collect();
    format!(
        "# Written by `kiosk board touch-rule --apply` from [ui] rotation / touch-calibration.\n\
         ACTION==\"add|change\", SUBSYSTEM==\"input\", KERNEL==\"event*\", ENV{{ID_INPUT_TOUCHSCREEN}}==\"1\", \
         ENV{{LIBINPUT_CALIBRATION_MATRIX}}=\"{}\"\n",
        matrix.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_gives_the_matrix_unless_one_is_configured() {
        let mut ui = UiSection::default();
        assert_eq!(touch_matrix(&ui), [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
        ui.rotation = 90;
        assert!(touch_rule(&ui).contains("LIBINPUT_CALIBRATION_MATRIX}=\"0 -1 1 1 0 0\""));
        ui.touch_calibration = Some([1.02, 0.0, -0.01, 0.0, 0.98, 0.01]);
        assert!(touch_rule(&ui).contains("\"1.02 0 -0.01 0 0.98 0.01\""));
    }
}
