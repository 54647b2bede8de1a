"""Simplified Chinese for the capture pages; `python -m tests.capture.zh_hans` fills locale/zh_Hans's django.po.

Kept beside the tests so a missing translation fails ``test_every_capture_string_is_translated``.
"""
ZH = {
    "GIF images are not accepted; please send a JPEG or PNG photo.": "不接受 GIF 图片，请发送 JPEG 或 PNG 照片。",
    "The file is too large.": "文件太大。",
    "The file is empty.": "文件是空的。",
    "The file is not an image we can read.": "无法读取该图片文件。",
    "The file is not a video we can read.": "无法读取该视频文件。",
    "The photo is damaged or incomplete; please take or choose it again.": "照片已损坏或不完整，请重新拍摄或选择。",
    "Please send a single still photo, not an animation.": "请发送一张静态照片，而不是动图。",
    "The photo has too many pixels; please send a smaller photo.": "照片像素过多，请发送较小的照片。",
    "The recording could not be read; please record the video again.": "无法读取该录像，请重新录制视频。",
    "The photo is too small to show a face; please take or choose a larger photo.":
        "照片太小，无法看清面部，请重新拍摄或选择一张更大的照片。",
    "The recording has no sound; allow the microphone and record the video again, reading the digits aloud.":
        "录像没有声音。请允许使用麦克风，然后重新录制视频并大声读出数字。",
    "The recording is too long; please record the video again (a few seconds are enough).":
        "录像太长，请重新录制视频（几秒钟即可）。",
    "The recording is too long or too large; please record the video again.": "录像太长或太大，请重新录制视频。",
    "These digits were already used; ask for new digits.": "这组数字已被使用，请获取新的数字。",
    "These digits have expired; ask for new digits.": "这组数字已过期，请获取新的数字。",
    "These digits were not issued for this check.": "这组数字不属于本次验证。",
    "This check is not waiting for a new submission.": "本次验证目前不接受新的提交。",
    "Too many unsuccessful attempts. Please wait about %(minutes)d minutes, then try again.":
        "失败次数过多。请等待约 %(minutes)d 分钟后再试。",
    "Too many checks were started from your network. Please wait about %(minutes)d min, then try again.":
        "您所在网络发起的验证过多。请等待约 %(minutes)d 分钟后再试。",
    "This link is not valid.": "此链接无效。",
    "This link has expired.": "此链接已过期。",
    "Many video checks are starting right now; please try again in a few seconds.":
        "当前有很多人正在开始视频验证，请几秒钟后再试。",
    "The digits could not be fetched just now; please try again in a moment.": "暂时无法获取数字，请稍后再试。",
    "This page's security check failed (cookies may be blocked, or the page is out of date). Reload the page and "
    "try again.": "此页面的安全校验未通过（可能禁用了 Cookie，或页面已过期）。请刷新页面后重试。",
    "The request could not be read. Reload the page and try again.": "无法读取该请求。请刷新页面后重试。",
    "Your selfie (JPEG or PNG)": "您的自拍照（JPEG 或 PNG）",
    "We could not use your camera or microphone. Allow access in your browser, or upload a file instead.":
        "无法使用您的摄像头或麦克风。请在浏览器中允许访问，或改为上传文件。",
    "This browser cannot record video. Please try another browser.": "此浏览器无法录制视频，请换用其他浏览器。",
    "Please choose a JPEG or PNG photo.": "请选择 JPEG 或 PNG 照片。",
    "Take or choose a photo first.": "请先拍摄或选择一张照片。",
    "Record the video and choose the ID-card photo first.": "请先录制视频并选择身份证照片。",
    "The upload failed. Check your connection and try again.": "上传失败。请检查网络连接后重试。",
    "These digits expire in %s.": "这组数字将在 %s 后过期。",
    "Uploading…": "正在上传…",
    "Recorded. Play it back, or record again.": "已录制。您可以回放，或重新录制。",
    "This link has expired, so this page can no longer show where your check is. Ask whoever sent it for a new link.":
        "此链接已过期，本页面无法再显示您的验证进度。请联系发送链接的一方获取新链接。",
    "This link is no longer valid, so this page cannot show where your check is. Ask whoever sent it for a new link.":
        "此链接已失效，本页面无法显示您的验证进度。请联系发送链接的一方获取新链接。",
    "We are checking your submission. This page updates by itself.": "我们正在核验您的提交。本页面会自动更新。",
    "Passed. Thank you, you are done.": "验证通过。谢谢，您已完成。",
    "Received. A member of our team will review it shortly.": "已收到。我们的工作人员将尽快审核。",
    "We could not verify your identity.": "我们无法验证您的身份。",
    "Please try again: %(reason)s": "请重试：%(reason)s",
    "We are waiting for your submission.": "我们正在等待您的提交。",
    "Please try again.": "请重试。",
    "Language": "语言",
    "Change": "切换",
    "Identity check": "身份验证",
    "This link has expired": "此链接已过期",
    "This link is not valid": "此链接无效",
    "Ask whoever sent it for a new link.": "请联系发送链接的一方获取新链接。",
    "Your selfie": "您的自拍照",
    "Face the camera in good light, alone in the picture, phone held upright.":
        "请在光线充足处正对摄像头，画面中只有您一人，手机竖直拿稳。",
    "Camera": "摄像头",
    "Camera preview": "摄像头预览",
    "Fit your face inside the oval.": "请将脸部置于椭圆框内。",
    "Take photo": "拍照",
    "Your photo, ready to send": "您的照片，可以发送",
    "Use the camera": "使用摄像头",
    "Retake": "重拍",
    "Upload progress": "上传进度",
    "Send": "发送",
    "We check that you are a real person present in front of the camera. What you send is encrypted as soon as it "
    "arrives and only the compliance team can see it.":
        "我们会确认您是真人且本人就在摄像头前。您发送的内容一到达即被加密，只有合规团队可以查看。",
    "Selfie check": "自拍验证",
    "Take or upload one photo of your face. About one minute.": "拍摄或上传一张您的面部照片。约需一分钟。",
    "Start a selfie check": "开始自拍验证",
    "Video check": "视频验证",
    "Read four digits aloud on a short video, then photograph your ID card. Needs a camera and a microphone.":
        "录制一段短视频并大声读出四个数字，然后拍摄您的身份证。需要摄像头和麦克风。",
    "Start a video check": "开始视频验证",
    "Your identity check": "您的身份验证",
    "Record another video": "重新录制视频",
    "Take another selfie": "重新自拍",
    "This check needs JavaScript, a camera and a microphone. Please enable JavaScript or use the selfie check.":
        "此验证需要 JavaScript、摄像头和麦克风。请启用 JavaScript，或改用自拍验证。",
    "1. Read four digits aloud": "1. 大声读出四个数字",
    "When you are ready, ask for your digits. After a 3-second countdown we record 4 seconds: look at the camera "
    "and read the digits aloud, clearly.":
        "准备好后，请获取您的数字。倒数 3 秒后将录制 4 秒：请看着摄像头，清楚地大声读出数字。",
    "Show my digits": "显示我的数字",
    "Recording": "正在录制",
    "Your recording": "您的录像",
    "Start recording": "开始录制",
    "Record again": "重新录制",
    "2. Photo of your ID card": "2. 身份证照片",
    "ID card, front side (JPEG or PNG)": "身份证正面（JPEG 或 PNG）",
    "3. Send": "3. 发送",
    # a reviewer's decision, in the person's language (liveness/cases/reasons.py)
    "Your identity has been verified.": "您的身份已通过验证。",
    "We could not verify your identity document.": "我们无法验证您的身份证件。",
    "Please try again in good, even light and hold still.": "请在光线充足、均匀的地方重试，并保持不动。",
    "Please try again with your whole face visible in the frame.": "请重试，并让整张脸都出现在画面中。",
    "Please try again and read the digits slowly and clearly.": "请重试，并缓慢、清楚地读出数字。",
    "Please take a new, sharp photo of your ID card.": "请重新拍摄一张清晰的身份证照片。",
}


#: The .po header msgmerge writes (POT-Creation-Date comes from makemessages' file).
HEADER = {
    "Project-Id-Version": "kyc-portal capture pages",
    "Report-Msgid-Bugs-To": "",
    "PO-Revision-Date": "",
    "Last-Translator": "tests/capture/zh_hans.py",
    "Language-Team": "zh_Hans",
    "Language": "zh_Hans",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def _quote(text: str) -> str:
    """A PO string literal (backslash, quote, newline and tab escaped, as msgfmt reads them)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def compendium() -> str:
    """ZH as a PO file (header + one entry per string): the translation library msgmerge reads."""
    header = "".join(f"{key}: {value}\\n" for key, value in HEADER.items())
    entries = [f'msgid ""\nmsgstr "{header}"\n']
    entries += [f"msgid {_quote(en)}\nmsgstr {_quote(zh)}\n" for en, zh in ZH.items()]
    return "\n".join(entries)


def fill(path: str) -> list[str]:
    """Write the translations into the .po file with GNU gettext (msgmerge, msgattrib; no polib);
    return the msgids still untranslated.

    ``msgmerge`` keeps the messages of ``path`` (what makemessages found) and takes each one's
    translation from this dict first (so a changed translation here wins over the file's, and a
    fuzzy guess of makemessages is replaced), then from the file as it was; no fuzzy matching.
    Messages no longer in the sources are dropped (``msgattrib --no-obsolete``).
    """
    import re
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    for tool in ("msgmerge", "msgattrib"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: install GNU gettext (apt-get install gettext)")
    with tempfile.TemporaryDirectory() as tmp:
        library, previous = Path(tmp) / "zh_hans.po", Path(tmp) / "previous.po"
        library.write_text(compendium(), encoding="utf-8")
        shutil.copyfile(path, previous)
        subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", f"--compendium={previous}",
                        "--output-file", path, str(library), str(previous)], check=True)
    subprocess.run(["msgattrib", "--no-obsolete", "--output-file", path, path], check=True)
    untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", "--width=100000", path],
                                  check=True, capture_output=True, text=True).stdout
    return [m for m in re.findall(r'^msgid "(.*)"$', untranslated, flags=re.MULTILINE) if m]


if __name__ == "__main__":
    import sys

    sys.exit("\n".join(fill(sys.argv[1] if len(sys.argv) > 1 else "locale/zh_Hans/LC_MESSAGES/django.po")) or None)
