"""Drives protect-dl's viewer in Debian's Chromium as a person would: checks the timeline, clicks a moment, waits.

Usage: viewer_browser.py URL CAMERA_ID TARGET_MS WATCH_SECONDS SCREENSHOT_DIR [PROBE_MS ...]
Prints one JSON object: the timeline's colour at each PROBE_MS, the milliseconds from the click to the first frame
shown, and two frames (8-bit grey) as the player showed them: right after the click and once the player's clock is
WATCH_SECONDS and one more past the clicked moment.
"""
import base64
import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, camera, target, watch, shots = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
probes = [int(x) for x in sys.argv[6:]]

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
             "--window-size=1280,900", "--no-first-run"]:
    options.add_argument(flag)
driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
result = {}
try:
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    driver.execute_script("viewer.setView(arguments[0], arguments[1])", target - 3 * 3600000, target + 3600000)
    canvas = driver.find_element(By.CSS_SELECTOR, f'.camera[data-id="{camera}"] canvas')
    WebDriverWait(driver, 30).until(lambda d: canvas.get_attribute("data-loaded"))
    result["colours"] = driver.execute_script(
        """const c = arguments[0], g = c.getContext('2d');
           return arguments[1].map(ms => Array.from(g.getImageData(Math.round(viewer.xFor(arguments[2], ms)), 30, 1, 1).data).slice(0, 3));""",
        canvas, probes, camera)
    driver.save_screenshot(f"{shots}/viewer-timeline.png")

    # A real click on the timeline at the target moment (offsets are from the element's centre).
    x = driver.execute_script("return viewer.xFor(arguments[0], arguments[1])", camera, target)
    width = canvas.size["width"]
    clicked = time.monotonic()
    ActionChains(driver).move_to_element_with_offset(canvas, int(x - width / 2), 0).click().perform()
    WebDriverWait(driver, 30, poll_frequency=0.02).until(lambda d: d.execute_script(
        "const f = document.querySelector(`figure[data-camera='${arguments[0]}'] video:not([hidden])`);"
        "return f && f.readyState >= 2 && f.currentTime > 0 && !f.paused", camera))
    result["clickToFirstFrameMs"] = round((time.monotonic() - clicked) * 1000)

    def frame():
        shown = driver.execute_script("return viewer.frame(arguments[0])", camera)
        shown["luma"] = base64.b64encode(bytes(shown["luma"])).decode()
        return shown

    result["first"] = frame()
    # The player's clock (the video's currentTime) runs a frame or two ahead of the picture it has painted, more so
    # on a loaded machine: wait until it is a second past the asked moment, so the picture is surely there.
    deadline = time.monotonic() + watch * 3 + 30
    while time.monotonic() < deadline:
        wall = driver.execute_script("return viewer.players.get(arguments[0]).wall()", camera)
        if wall is not None and wall >= target + watch * 1000 + 1000:
            break
        time.sleep(0.1)
    result["later"] = frame()
    result["speedOptions"] = driver.execute_script("return Array.from(document.querySelectorAll('#speed option')).map(o => o.value)")
    driver.save_screenshot(f"{shots}/viewer-playing.png")
finally:
    driver.quit()
print(json.dumps(result))
