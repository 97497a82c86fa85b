# Waiting-room display (web/display/), Arabic (right to left). Variables
# in braces are filled in by the page.

now_calling = يُنادى الآن
called_again = نداء متكرر
no_calls = يُرجى انتظار رقمك
previous_calls = النداءات السابقة
service = الخدمة
waiting = في الانتظار
estimated_wait = الانتظار المتوقع
minutes = { $n } د
hours_minutes = { $h } س { $m } د
minutes_range = { $low }–{ $high } د
under_minute = أقل من دقيقة
no_desk_open = لا يوجد مكتب مفتوح
reconnecting = جارٍ إعادة الاتصال…
setup_title = لم تُجهّز هذه الشاشة بعد
setup_text = افتح هذه الصفحة مع رمز الشاشة: /display/#token=…
token_rejected = لم يُقبل رمز الشاشة. اطلب من المدير رابطًا جديدًا.
announce = الرقم { $number }، المكتب { $desk }
announce_named = الرقم { $number }، { $desk }
